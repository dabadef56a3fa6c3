import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { STRATEGY_NAMES } from '../../src/strategy/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CSV = fileURLToPath(new URL('../../bench/tables/nb201-cifar10.csv', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nasmesh <args>` from the repo root through tsx. */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const noStackTrace = (text: string) => {
  assert.ok(!/\n\s+at .+[(:]\d+/.test(text), `output should carry no stack trace:\n${text}`);
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasmesh-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('nasmesh bench', { concurrency: true }, () => {
  test('runs two algorithms, prints a table and writes the JSON report', async () => {
    const json = join(dir, 'report.json');
    const args = ['bench', '--space', 'nb201', '--table', CSV, '--algorithms', 'random,evolution'];
    const run = await cli([...args, '--queries', '20', '--seeds', '2', '--threads', '2', '--json', json]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\brandom\b/);
    assert.match(run.stdout, /\bevolution\b/);
    assert.match(run.stdout, /15625 architectures, optimum 94\.3733/);
    assert.match(run.stdout, /20 queries × 2 seeds/);
    for (const col of ['best@5', 'best@10', 'best@20', 'P(optimum)']) assert.ok(run.stdout.includes(col), col);
    // Not a terminal: progress as lines with the ETA, no redrawn bar.
    assert.match(run.stderr, /^search: 4\/4 searches \(100 %\), elapsed \d+s, ETA 0s$/m);
    assert.ok(!run.stderr.includes('\r'), run.stderr);

    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    assert.equal(report.table, CSV);
    assert.equal(report.queries, 20);
    assert.equal(report.seeds, 2);
    assert.equal(report.optimum, 94.3733);
    const results = report.results as Record<string, unknown>[];
    assert.ok(Array.isArray(results));
    assert.deepEqual(
      results.map((r) => r.algorithm),
      ['random', 'evolution'],
    );
    for (const r of results) {
      for (const key of ['meanBest', 'stdBest', 'pOptimum', 'meanQueriesToTop01', 'msPerArchitecture']) {
        assert.equal(typeof r[key], 'number', `${String(r.algorithm)}.${key}`);
      }
      assert.ok((r.meanBest as number) <= 94.3733);
      assert.ok((r.pOptimum as number) >= 0 && (r.pOptimum as number) <= 1);
      assert.ok((r.meanQueriesToTop01 as number) >= 1 && (r.meanQueriesToTop01 as number) <= 21);
      assert.deepEqual(Object.keys(r.meanBestAt as object), ['5', '10', '20']);
    }
  });

  test('an unknown algorithm names it and lists the allowed ones', async () => {
    const run = await cli(['bench', '--table', CSV, '--algorithms', 'random,magic', '--queries', '5', '--seeds', '1']);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes("'magic'"), run.stderr);
    for (const name of STRATEGY_NAMES) assert.ok(run.stderr.includes(name), `stderr should list ${name}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    noStackTrace(run.stderr);
  });

  test('--queries 0 is refused naming --queries', async () => {
    const run = await cli(['bench', '--table', CSV, '--queries', '0']);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes('--queries'), run.stderr);
    noStackTrace(run.stderr);
  });

  test('--seed-offset abc is refused naming --seed-offset', async () => {
    const run = await cli([
      'bench',
      '--table',
      CSV,
      '--algorithms',
      'random',
      '--queries',
      '3',
      '--seeds',
      '1',
      '--threads',
      '1',
      '--seed-offset',
      'abc',
    ]);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes('--seed-offset'), run.stderr);
  });

  test('a missing table file is named, without a stack trace', async () => {
    const missing = join(dir, 'no-such-table.csv');
    const json = join(dir, 'never.json');
    const run = await cli(['bench', '--table', missing, '--algorithms', 'random', '--queries', '5', '--seeds', '1', '--json', json]);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes(missing), run.stderr);
    noStackTrace(run.stderr);
    assert.equal(existsSync(json), false);
  });

  test('bad strategy options are named, without a stack trace', async () => {
    const run = await cli([
      'bench',
      '--table',
      CSV,
      '--algorithms',
      'evolution',
      '--options',
      '{"evolution":{"population":1}}',
      '--queries',
      '5',
      '--seeds',
      '1',
    ]);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes('population'), run.stderr);
    noStackTrace(run.stderr);
  });
});

describe('nasmesh bench under the papers protocols, on a table npm run bench:derive-table derives', { concurrency: true }, () => {
  const derived = () => join(dir, 'proxy.csv');
  before(async () => {
    const run = await new Promise<Run>((resolve, reject) => {
      const args = [
        '--import',
        'tsx',
        'bench/derive-table.ts',
        '--table',
        CSV,
        '--from',
        'test_accuracy',
        '--name',
        'proxy',
        '--sigma',
        '0.5',
        '--seed',
        '3',
        '--out',
        derived(),
      ];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(run.code, 0, run.stderr);
  });

  test('the derived column is the source column plus a fixed per-architecture error of the given σ', () => {
    const rows = readFileSync(derived(), 'utf8').trim().split('\n');
    assert.equal(rows[0], 'arch,test_accuracy,proxy');
    assert.equal(rows.length, 15626);
    const errors = rows.slice(1).map((r) => {
      const [, test, proxy] = r.split(',').map(Number);
      return proxy! - test!;
    });
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const std = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / (errors.length - 1));
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(std - 0.5) < 0.02, `mean ${mean}, std ${std}`);
  });

  test('rewards one column with noise and reports another; the JSON records the protocol and the report ceiling', async () => {
    const json = join(dir, 'protocol.json');
    const args = ['bench', '--table', derived(), '--reward-column', 'proxy', '--report-column', 'test_accuracy', '--reward-noise', '1'];
    const run = await cli([
      ...args,
      '--algorithms',
      'random,reinforce',
      '--queries',
      '20',
      '--seeds',
      '2',
      '--threads',
      '1',
      '--json',
      json,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /reward: proxy \+ N\(0, 1²\) per query; report: test_accuracy of the best-rewarded, ceiling \d+\.\d+/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(report.protocol, { rewardColumn: 'proxy', reportColumn: 'test_accuracy', rewardNoise: 1 });
    assert.equal(typeof report.reportCeiling, 'number');
    assert.ok((report.reportCeiling as number) <= 94.3733);
  });

  test('a column the table lacks and a negative noise are refused, naming them', async () => {
    const missing = await cli(['bench', '--table', CSV, '--reward-column', 'valid_accuracy', '--queries', '5', '--seeds', '1']);
    assert.notEqual(missing.code, 0);
    assert.ok(missing.stderr.includes("'arch,valid_accuracy'"), missing.stderr);
    noStackTrace(missing.stderr);
    const negative = await cli(['bench', '--table', CSV, '--reward-noise', '-1', '--queries', '5', '--seeds', '1']);
    assert.notEqual(negative.code, 0);
    assert.ok(negative.stderr.includes('--reward-noise'), negative.stderr);
  });
});
