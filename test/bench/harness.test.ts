import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { runBenchmark } from '../../src/bench/harness.js';
import { runSearch } from '../../src/bench/run-search.js';
import { summarize } from '../../src/bench/summarize.js';
import { BenchmarkTable, BenchmarkTableError } from '../../src/bench/table.js';
import type { AlgorithmResult, BenchConfig, BenchJobResult, BenchReport } from '../../src/bench/types.js';
import { createStrategy } from '../../src/strategy/registry.js';
import { STRATEGY_NAMES } from '../../src/strategy/types.js';
import { Nb201Space } from '../../src/space/nb201.js';
import { initBackend } from '../../src/tf/backend.js';
import { ValidationError } from '../../src/util/errors.js';

const CSV = fileURLToPath(new URL('../../bench/tables/nb201-cifar10.csv', import.meta.url));
const QUERIES = 25;
const SEEDS = 3;

const config = (overrides: Partial<BenchConfig> = {}): BenchConfig => ({
  space: { name: 'nb201' },
  table: CSV,
  algorithms: STRATEGY_NAMES.map((strategy) => ({ strategy })),
  queries: QUERIES,
  seeds: SEEDS,
  seedOffset: 0,
  parallel: 1,
  threads: 2,
  backend: 'wasm',
  ...overrides,
});

/** The report less its timing fields. */
const untimed = (r: BenchReport) => ({
  ...r,
  seconds: undefined,
  results: r.results.map((a) => ({ ...a, msPerArchitecture: undefined })),
});
const untimedResult = (a: AlgorithmResult) => ({ ...a, msPerArchitecture: undefined });

describe('runBenchmark on the real NB201 table', () => {
  let twoThreads: BenchReport;
  const progress: [number, number][] = [];

  before(async () => {
    twoThreads = await runBenchmark(config({ threads: 2 }), (done, total) => progress.push([done, total]));
  });

  test('the report has every field, with values in range', () => {
    const r = twoThreads;
    assert.equal(r.table, CSV);
    assert.equal(r.queries, QUERIES);
    assert.equal(r.seeds, SEEDS);
    assert.equal(r.seedOffset, 0);
    assert.equal(r.optimum, 94.3733);
    assert.equal(r.tableSize, 15625);
    assert.ok(r.top01Threshold < r.optimum && r.top01Threshold > 90);
    assert.ok(r.seconds > 0 && Number.isFinite(r.seconds));
    assert.deepEqual(
      r.results.map((a) => a.algorithm),
      [...STRATEGY_NAMES],
    );
    for (const a of r.results) {
      const at = `${a.algorithm}`;
      assert.ok(Number.isFinite(a.meanBest) && a.meanBest > 0 && a.meanBest <= r.optimum, at);
      assert.ok(Number.isFinite(a.stdBest) && a.stdBest >= 0, at);
      assert.ok(a.pOptimum >= 0 && a.pOptimum <= 1, at);
      assert.ok(Number.isInteger(a.pOptimum * SEEDS), at);
      assert.ok(a.meanQueriesToTop01 >= 1 && a.meanQueriesToTop01 <= QUERIES + 1, at);
      assert.deepEqual(Object.keys(a.meanBestAt), ['7', '13', '25'], at);
      assert.equal(a.meanBestAt['25'], a.meanBest, at);
      assert.ok(a.meanBestAt['7']! <= a.meanBestAt['13']! && a.meanBestAt['13']! <= a.meanBestAt['25']!, at);
      assert.ok(Number.isFinite(a.msPerArchitecture) && a.msPerArchitecture >= 0, at);
      if (a.pOptimum > 0) assert.ok(a.meanBest > r.top01Threshold - 1, at);
    }
  });

  test('progress is reported once per search, up to the total', () => {
    const total = STRATEGY_NAMES.length * SEEDS;
    assert.equal(progress.length, total);
    progress.forEach(([done, t], i) => {
      assert.equal(done, i + 1);
      assert.equal(t, total);
    });
  });

  test('the report matches the same searches run in this thread', async () => {
    await initBackend('wasm');
    const space = new Nb201Space();
    const table = BenchmarkTable.load(CSV, space);
    STRATEGY_NAMES.forEach((name, a) => {
      const runs: BenchJobResult[] = Array.from({ length: SEEDS }, (_, seed) => {
        const strategy = createStrategy(name, space, undefined, seed);
        try {
          return { index: a * SEEDS + seed, ...runSearch(strategy, table, QUERIES) };
        } finally {
          strategy.dispose();
        }
      });
      assert.deepEqual(untimedResult(twoThreads.results[a]!), untimedResult(summarize(name, runs, QUERIES)), name);
    });
  });

  test('one thread gives identical results (each search depends on its seed alone)', async () => {
    const oneThread = await runBenchmark(config({ threads: 1 }));
    assert.deepEqual(untimed(oneThread), untimed(twoThreads));
  });

  test('seedOffset shifts the seeds; labels name the rows', async () => {
    const report = await runBenchmark(
      config({
        algorithms: [
          { strategy: 'random', label: 'random-a' },
          { strategy: 'evolution', label: 'evo-small', options: { population: 5, sampleSize: 2 } },
        ],
        seeds: 2,
        seedOffset: 1,
        queries: 12,
        threads: 1,
      }),
    );
    assert.equal(report.seedOffset, 1);
    assert.deepEqual(
      report.results.map((a) => a.algorithm),
      ['random-a', 'evo-small'],
    );
    // random with seeds 1..2 equals seeds 1..2 of the 3-seed run's searches, here truncated to 12 queries.
    const space = new Nb201Space();
    const table = BenchmarkTable.load(CSV, space);
    const runs = [1, 2].map((seed, i) => ({ index: i, ...runSearch(createStrategy('random', space, undefined, seed), table, 12) }));
    assert.deepEqual(untimedResult(report.results[0]!), untimedResult(summarize('random-a', runs, 12)));
  });
});

describe('runBenchmark rejects bad input before searching', () => {
  const rejectsValidation = async (cfg: BenchConfig, field: string) => {
    await assert.rejects(runBenchmark(cfg), (e: unknown) => {
      assert.ok(e instanceof ValidationError, `expected ValidationError, got ${String(e)}`);
      assert.ok(e.message.includes(field), `message should name '${field}': ${e.message}`);
      assert.ok(e.field.endsWith(field), `field '${e.field}' should end with '${field}'`);
      return true;
    });
  };

  test('evolution population below 2', async () => {
    await rejectsValidation(config({ algorithms: [{ strategy: 'evolution', options: { population: 1 } }] }), 'population');
  });

  test('evolution sampleSize larger than population', async () => {
    await rejectsValidation(config({ algorithms: [{ strategy: 'evolution', options: { population: 4, sampleSize: 9 } }] }), 'sampleSize');
  });

  test('an unknown option of an LSTM controller', async () => {
    await assert.rejects(
      runBenchmark(config({ algorithms: [{ strategy: 'ppo', options: { learningrate: 0.1 } }] })),
      (e: unknown) => e instanceof ValidationError && e.message.includes('learningrate'),
    );
  });

  test('a negative learning rate', async () => {
    await rejectsValidation(config({ algorithms: [{ strategy: 'qlearning', options: { learningRate: -1 } }] }), 'learningRate');
  });

  test('options for random, which takes none', async () => {
    await assert.rejects(
      runBenchmark(config({ algorithms: [{ strategy: 'random', options: { foo: 1 } }] })),
      (e: unknown) => e instanceof ValidationError && e.message.includes('foo'),
    );
  });

  test('an unknown strategy names it and the allowed ones', async () => {
    await assert.rejects(
      runBenchmark(config({ algorithms: [{ strategy: 'magic' }] })),
      (e: unknown) => e instanceof ValidationError && e.message.includes('magic') && STRATEGY_NAMES.every((n) => e.message.includes(n)),
    );
  });

  test('a search reaching an architecture missing from the table rejects with a BenchmarkTableError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nasmesh-harness-'));
    try {
      const subset = join(dir, 'subset.csv');
      const lines = readFileSync(CSV, 'utf8').split('\r\n');
      writeFileSync(subset, `${lines.slice(0, 51).join('\n')}\n`);
      await assert.rejects(
        runBenchmark(config({ table: subset, algorithms: [{ strategy: 'random' }], seeds: 1, queries: 10, threads: 1 })),
        (e: unknown) => e instanceof BenchmarkTableError && e.message.includes('no row for architecture'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing table is a BenchmarkTableError naming the file', async () => {
    const missing = '/nonexistent/dir/table.csv';
    await assert.rejects(
      runBenchmark(config({ table: missing })),
      (e: unknown) => e instanceof BenchmarkTableError && e.message.includes(missing),
    );
  });
});
