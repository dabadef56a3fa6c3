import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBenchmark } from '../../src/bench/harness.js';
import { runSearch } from '../../src/bench/run-search.js';
import { BenchmarkTable, BenchmarkTableError } from '../../src/bench/table.js';
import type { BenchConfig } from '../../src/bench/types.js';
import { createStrategy } from '../../src/strategy/registry.js';
import type { Observation, Strategy } from '../../src/strategy/types.js';
import { Nb201Space } from '../../src/space/nb201.js';
import { initBackend } from '../../src/tf/backend.js';
import { Rng } from '../../src/util/rng.js';

/** The non-oracle benchmark protocols: a reward column, a report column, and seeded noise on the reward. */
const space = new Nb201Space();
const archAt = (i: number): number[] => Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** (5 - d)) % 5);
const ALL = Array.from({ length: 15625 }, (_, i) => archAt(i));

/** A full table whose `valid` column is `test` plus a fixed per-architecture error, both at 4 decimals. */
const rng = new Rng(7);
const TEST = ALL.map((_, i) => Number((80 + ((i * 7919) % 15625) / 1000).toFixed(4)));
const VALID = TEST.map((t) => Number(Math.max(0, t + rng.normal()).toFixed(4)));
let dir: string;
let path: string;
let table: BenchmarkTable;

before(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'nasmesh-protocol-'));
  path = join(dir, 'valid-test.csv');
  writeFileSync(path, `arch,valid,test\n${ALL.map((a, i) => `${space.encode(a)},${VALID[i]},${TEST[i]}`).join('\n')}\n`);
  table = BenchmarkTable.load(path, space, ['valid', 'test']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Wraps a strategy so every observation is recorded. */
function recording(inner: Strategy): Strategy & { observed: Observation[] } {
  const observed: Observation[] = [];
  return Object.assign(Object.create(inner) as Strategy, {
    observed,
    propose: (n: number) => inner.propose(n),
    observe(results: readonly Observation[]) {
      observed.push(...results);
      inner.observe(results);
    },
  });
}

describe('a table of several columns', () => {
  test('every column reads back; lookup() is the first column asked for; best() and columnStats() per column', () => {
    assert.deepEqual(table.columns, ['valid', 'test']);
    for (let i = 0; i < ALL.length; i += 101) {
      assert.equal(table.value(ALL[i]!, 'valid'), VALID[i]);
      assert.equal(table.value(ALL[i]!, 'test'), TEST[i]);
      assert.equal(table.lookup(ALL[i]!), VALID[i]);
    }
    const bestValid = VALID.indexOf(Math.max(...VALID));
    assert.deepEqual(table.best('valid'), ALL[bestValid]);
    assert.equal(table.columnStats('test').optimum, Math.max(...TEST));
    assert.equal(table.columnStats('test').top01Threshold, [...TEST].sort((a, b) => b - a)[15]);
    assert.equal(BenchmarkTable.load(path, space, ['test']).lookup(ALL[3]!), TEST[3]);
  });

  test('a column asked for that the header lacks, a repeated or malformed name and a short row are refused by line', () => {
    const refused = (text: string, need: string[], ...mentions: string[]) => {
      const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.csv`);
      writeFileSync(file, text);
      assert.throws(
        () => BenchmarkTable.load(file, space, need),
        (e: unknown) => e instanceof BenchmarkTableError && mentions.every((m) => e.message.includes(m)),
      );
    };
    const row = (i: number, ...values: number[]) => `${space.encode(ALL[i]!)},${values.join(',')}`;
    refused(`arch,valid,test\n${row(0, 1, 2)}\n`, ['valid', 'latency'], ':1:', "'arch,valid,latency'");
    refused(`arch,test,test\n${row(0, 1, 2)}\n`, ['test'], ':1:', 'column 3 repeats the name of column 2');
    refused(`arch,test,a b\n${row(0, 1, 2)}\n`, ['test'], ':1:', "column 3's name");
    refused(`arch,valid,test\n${row(0, 1, 2)}\n${row(1, 1)}\n`, ['test'], ':3:', 'valid');
    refused(
      `arch,valid,test\n${row(0, 1, 2)}\n${space.encode(ALL[1]!)},x,2\n`,
      ['test'],
      ':3:',
      'valid is not a finite non-negative decimal number',
    );
  });
});

describe('runSearch under a protocol', () => {
  const protocol = { rewardColumn: 'valid', reportColumn: 'test', rewardNoise: 0 };

  test('reports the report column of the best-rewarded architecture so far, never the best report value seen', () => {
    const strategy = recording(createStrategy('random', space, {}, 5));
    const trace = runSearch(strategy, table, 300, 1, protocol, 5);
    let best = -Infinity;
    let bestArch: readonly number[] = [];
    const expected = strategy.observed.map((o) => {
      assert.equal(o.reward, table.value(o.arch, 'valid'));
      if (o.reward > best) [best, bestArch] = [o.reward, o.arch];
      return table.value(bestArch, 'test');
    });
    assert.deepEqual(trace.bestAfter, expected);
    // The reward's and the report's orders differ, so the best test value seen is above what is reported at times.
    const bestSeen = strategy.observed.map((_, i) =>
      Math.max(...strategy.observed.slice(0, i + 1).map((o) => table.value(o.arch, 'test'))),
    );
    assert.ok(bestSeen.some((b, i) => b > trace.bestAfter[i]!));
    const { optimum, top01Threshold } = table.columnStats('test');
    assert.equal(trace.foundOptimum, trace.bestAfter.at(-1) === optimum);
    const first = trace.bestAfter.findIndex((b) => b >= top01Threshold);
    assert.equal(trace.queriesToTop01, first < 0 ? 301 : first + 1);
  });

  test('adds seeded Gaussian noise of the given σ per query; the same seed draws the same noise', () => {
    const noisy = { rewardColumn: 'test', reportColumn: 'test', rewardNoise: 0.5 };
    const strategy = recording(createStrategy('random', space, {}, 9));
    const trace = runSearch(strategy, table, 4000, 1, noisy, 9);
    const errors = strategy.observed.map((o) => o.reward - table.value(o.arch, 'test'));
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const std = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / (errors.length - 1));
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.5) < 0.03, `std ${std}`);

    const again = recording(createStrategy('random', space, {}, 9));
    assert.deepEqual(runSearch(again, table, 4000, 1, noisy, 9).bestAfter, trace.bestAfter);
    assert.deepEqual(
      again.observed.map((o) => o.reward),
      strategy.observed.map((o) => o.reward),
    );
    const other = recording(createStrategy('random', space, {}, 9));
    runSearch(other, table, 50, 1, noisy, 10);
    assert.notDeepEqual(
      other.observed.map((o) => o.reward),
      strategy.observed.slice(0, 50).map((o) => o.reward),
    );
  });

  test('a repeated proposal is answered with the reward its query drew, not fresh noise, and costs no query', () => {
    const arch = ALL[1234]!;
    let calls = 0;
    const observed: Observation[] = [];
    const repeating: Strategy = {
      ...createStrategy('random', space, {}, 1),
      name: 'random',
      propose: () => [calls++ < 3 ? arch : ALL[calls]!],
      observe: (r) => observed.push(...r),
    };
    const trace = runSearch(repeating, table, 2, 1, { rewardColumn: 'test', reportColumn: 'test', rewardNoise: 1 }, 3);
    assert.equal(observed[0]!.reward, observed[1]!.reward);
    assert.equal(observed[1]!.reward, observed[2]!.reward);
    assert.notEqual(observed[0]!.reward, table.value(arch, 'test'));
    assert.equal(trace.bestAfter.length, 2);
    assert.equal(trace.proposals, 4);
  });
});

describe('runBenchmark under a protocol', () => {
  test("reports the protocol and the report ceiling: the report column's value of the best architecture by the reward", async () => {
    const protocol = { rewardColumn: 'valid', reportColumn: 'test', rewardNoise: 0.5 };
    const config: BenchConfig = {
      space: { name: 'nb201' },
      table: path,
      protocol,
      algorithms: [{ strategy: 'random' }, { strategy: 'evolution' }],
      queries: 40,
      seeds: 3,
      seedOffset: 0,
      parallel: 1,
      threads: 1,
      backend: 'cpu',
    };
    const report = await runBenchmark(config);
    assert.deepEqual(report.protocol, protocol);
    assert.equal(report.reportCeiling, TEST[VALID.indexOf(Math.max(...VALID))]);
    assert.equal(report.optimum, Math.max(...TEST));
    for (const r of report.results) assert.ok(r.meanBest <= report.optimum && r.meanBest > 80, r.algorithm);
    await assert.rejects(
      runBenchmark({ ...config, protocol: { ...protocol, rewardColumn: 'valid_12' } }),
      (e: unknown) => e instanceof BenchmarkTableError && e.message.includes("'arch,valid_12,test'"),
    );
  });
});
