/**
 * Does the search beat random sampling? K cells drawn uniformly from a search spec's space, each trained exactly as
 * its final stage trains the searched cell (final.network, epochs, batch, cosine schedule, replicas, harness seed),
 * beside the searched cells of finished runs, the published ENAS and NASNet-A cells and the size-matched baseline.
 * Prints every cell's test accuracy, parameters and multiply-adds, the random cells' distribution, and each other
 * cell's difference from their mean and percentile among them.
 *
 * Run: npm run bench:random-cells -- --spec deploy/examples/fashion-mnist-enas-micro.yaml --cells 8 --seed 1
 *      [--draw-seed N] [--results results/a --results results/b] [--published enas,nasnet-a | none] [--no-baseline]
 *      [--json out.json]
 * --json is written after every training, and a run with the same settings continues from it: stopped, run it again.
 */
import { Command, InvalidArgumentError } from 'commander';
import { progressDisplay } from '../src/progress/progress-display.js';
import { PUBLISHED_CELLS, type PublishedCellName } from '../src/space/published-cells.js';
import { describeBackend, initBackend } from '../src/tf/backend.js';
import { type RandomCellsReport, runRandomCells } from './random-cells-run.js';

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
  return n;
};
const publishedList = (v: string): PublishedCellName[] => {
  if (v === 'none') return [];
  return v.split(',').map((name) => {
    if (!Object.hasOwn(PUBLISHED_CELLS, name))
      throw new InvalidArgumentError(`'${name}' is not one of ${Object.keys(PUBLISHED_CELLS).join(', ')}, none`);
    return name as PublishedCellName;
  });
};

const opts = new Command('random-cells')
  .option('--spec <path>', 'the search spec whose space, final stage and baseline to use', 'deploy/examples/fashion-mnist-enas-micro.yaml')
  .option('--cells <k>', 'random cells to draw and train', count, 8)
  .option('--seed <n>', "the harness's seed (default: the spec's)", count)
  .option('--draw-seed <n>', 'seeds the draw of the cells (default: --seed)', count)
  .option(
    '--results <dir>',
    'a finished run of the spec whose retrained cell to compare (repeatable)',
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option(
    '--published <names>',
    `published cells to retrain beside them: ${Object.keys(PUBLISHED_CELLS).join(',')} or none`,
    publishedList,
    Object.keys(PUBLISHED_CELLS) as PublishedCellName[],
  )
  .option('--no-baseline', "leave out the spec's size-matched baseline")
  .option('--json <path>', 'write the report here after every training; continue from it')
  .parse()
  .opts<{
    spec: string;
    cells: number;
    seed?: number;
    drawSeed?: number;
    results: string[];
    published: PublishedCellName[];
    baseline: boolean;
    json?: string;
  }>();

await initBackend();
console.error(`random-cells: ${describeBackend()}`);
const display = progressDisplay(process.stderr);
const report = await runRandomCells({ ...opts, onLog: (line) => display.log(line), onProgress: (p) => display.update(p) }).finally(() =>
  display.stop(),
);
for (const line of reportLines(report)) console.log(line);

function reportLines(r: RandomCellsReport): string[] {
  const pct = (x: number) => `${x.toFixed(2)} %`;
  const row = (c: { label: string; testAccuracy: number; params: number; macs: number }) =>
    `| ${c.label} | ${pct(c.testAccuracy)} | ${c.params.toLocaleString('en-US')} | ${(c.macs / 1e6).toFixed(1)} M |`;
  const lines = ['| cell | test accuracy | params | MACs |', '|---|---|---|---|', ...r.random.map(row)];
  const d = r.distribution;
  if (d) {
    lines.push(
      '',
      `random cells (K = ${d.n}): mean ${pct(d.mean)}, std ${d.std.toFixed(2)}, quartiles ${pct(d.q1)} / ${pct(d.median)} / ${pct(d.q3)}, best ${pct(d.max)}, worst ${pct(d.min)}`,
    );
  }
  if (r.compared.length > 0) {
    lines.push('', '| beside them | test accuracy | params | MACs | − random mean | percentile |', '|---|---|---|---|---|---|');
    for (const c of r.compared) {
      const diff = Number.isNaN(c.differenceFromMean) ? '-' : `${c.differenceFromMean >= 0 ? '+' : ''}${c.differenceFromMean.toFixed(2)}`;
      const percentile = Number.isNaN(c.percentile) ? '-' : c.percentile.toFixed(0);
      lines.push(`${row(c)} ${diff} | ${percentile} |`);
    }
  }
  return lines;
}
