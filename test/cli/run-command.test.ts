import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const nasmesh = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

describe('nasmesh run --strategy', () => {
  it('runs the same spec with another strategy, recorded in search.json', async () => {
    const out = join(dir, 'random');
    await nasmesh('run', 'deploy/examples/nb201-benchmark.yaml', '--strategy', 'random', '--out', out, '--backend', 'cpu');
    const search = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8')) as { spec: { strategy: unknown; evaluation: unknown } };
    assert.deepEqual(search.spec.strategy, { name: 'random' });
    assert.equal((search.spec.evaluation as { mode: string }).mode, 'benchmark');
    assert.equal(readFileSync(join(out, 'candidates.jsonl'), 'utf8').trim().split('\n').length, 200);
  });

  it('refuses an unknown strategy, listing the allowed ones', async () => {
    await assert.rejects(
      nasmesh('run', 'deploy/examples/nb201-benchmark.yaml', '--strategy', 'magic', '--out', join(dir, 'x')),
      /magic.*random, evolution, nsga2, reinforce, ppo, qlearning/s,
    );
  });
});
