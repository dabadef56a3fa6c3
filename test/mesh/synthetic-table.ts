import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSpace } from '../../src/space/registry.js';

/**
 * A benchmark table for every nb201 cell (15,625 rows), written to `dir`: the accuracy rises with the ops chosen (a
 * landscape a strategy can learn) plus a fixed per-row jitter that breaks ties. Tests own their data this way.
 */
export function writeSyntheticNb201Table(dir: string): string {
  const space = createSpace('nb201');
  const opScore = [0, 1, 3, 4, 2];
  const rows = ['arch,test_accuracy'];
  const choices = space.decisions.map((d) => d.choices.length);
  const total = choices.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    const arch: number[] = [];
    let rest = n;
    for (const c of choices) {
      arch.push(rest % c);
      rest = Math.floor(rest / c);
    }
    const score = arch.reduce((s, c) => s + opScore[c]!, 0) / (4 * arch.length);
    const jitter = ((n * 2654435761) % 1000) / 1000;
    rows.push(`${space.encode(arch)},${(50 + 40 * score + jitter).toFixed(3)}`);
  }
  const path = join(dir, 'nb201-synthetic.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
