import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runSearch, type SearchTrace } from '../../src/bench/run-search.js';
import { BenchmarkTable } from '../../src/bench/table.js';
import { createStrategy } from '../../src/strategy/registry.js';
import { STRATEGY_NAMES, type Observation, type Strategy } from '../../src/strategy/types.js';
import { Nb201Space } from '../../src/space/nb201.js';
import { initBackend, tf } from '../../src/tf/backend.js';

const CSV = fileURLToPath(new URL('../../bench/tables/nb201-cifar10.csv', import.meta.url));
const BUDGET = 30;
const space = new Nb201Space();
let table: BenchmarkTable;

before(async () => {
  await initBackend();
  table = BenchmarkTable.load(CSV, space);
});

/** Wraps a strategy so every proposal (in order) and every observation is recorded. */
function recording(inner: Strategy): Strategy & { proposals: number[][]; batches: number[]; observed: Observation[] } {
  const proposals: number[][] = [];
  const batches: number[] = [];
  const observed: Observation[] = [];
  return {
    name: inner.name,
    proposals,
    batches,
    observed,
    sample: (n) => inner.sample(n),
    stats: () => inner.stats(),
    propose(n) {
      const archs = inner.propose(n);
      batches.push(n);
      proposals.push(...archs.map((a) => [...a]));
      return archs;
    },
    observe(results) {
      observed.push(...results);
      inner.observe(results);
    },
    checkpoint: () => inner.checkpoint(),
    restore: (c) => inner.restore(c),
    dispose: () => inner.dispose(),
  };
}

/** Invariants every trace must satisfy, checked against an independent replay of the proposals. */
function checkTrace(trace: SearchTrace, proposals: number[][], budget: number, t: BenchmarkTable): void {
  // Independent replay: distinct proposals in order are the queries.
  const seen = new Set<string>();
  const queries: number[] = [];
  for (const arch of proposals) {
    const key = arch.join(',');
    if (seen.has(key) || seen.size >= budget) continue;
    seen.add(key);
    queries.push(t.lookup(arch));
  }
  assert.equal(trace.bestAfter.length, queries.length);
  let best = -Infinity;
  queries.forEach((acc, i) => {
    best = Math.max(best, acc);
    assert.equal(trace.bestAfter[i], best, `bestAfter[${i}]`);
  });
  for (let i = 1; i < trace.bestAfter.length; i++) assert.ok(trace.bestAfter[i]! >= trace.bestAfter[i - 1]!);

  const first = trace.bestAfter.findIndex((b) => b >= t.top01Threshold);
  assert.equal(trace.queriesToTop01, first < 0 ? budget + 1 : first + 1);
  assert.ok(trace.queriesToTop01 >= 1 && trace.queriesToTop01 <= budget + 1);
  const max = Math.max(...trace.bestAfter);
  assert.equal(trace.foundOptimum, max === t.optimum);
  assert.equal(trace.proposals, proposals.length);
  assert.ok(trace.strategyMs >= 0 && Number.isFinite(trace.strategyMs));
}

describe('runSearch with every strategy on the real table', () => {
  for (const name of STRATEGY_NAMES) {
    for (const parallel of [1, 4]) {
      test(`${name}, ${BUDGET} queries, parallel ${parallel}`, () => {
        const strategy = recording(createStrategy(name, space, undefined, 7));
        try {
          const trace = runSearch(strategy, table, BUDGET, parallel);
          assert.equal(trace.bestAfter.length, BUDGET);
          // Strategies never repeat themselves, so each proposal is one distinct query.
          const keys = strategy.proposals.map((a) => a.join(','));
          assert.equal(new Set(keys).size, keys.length, 'proposals are distinct architectures');
          assert.equal(keys.length, BUDGET);
          assert.ok(strategy.batches.every((n) => n >= 1 && n <= parallel));
          assert.equal(
            strategy.batches.reduce((a, b) => a + b, 0),
            BUDGET,
          );
          // Observations carry the table's accuracies.
          assert.equal(strategy.observed.length, BUDGET);
          for (const o of strategy.observed) assert.equal(o.reward, table.lookup(o.arch));
          checkTrace(trace, strategy.proposals, BUDGET, table);
        } finally {
          strategy.dispose();
        }
      });
    }
  }

  test('the same seed gives the same trace', () => {
    const run = (name: (typeof STRATEGY_NAMES)[number]) => {
      const s = createStrategy(name, space, undefined, 3);
      try {
        return runSearch(s, table, 20);
      } finally {
        s.dispose();
      }
    };
    for (const name of STRATEGY_NAMES) {
      const a = run(name);
      const b = run(name);
      assert.deepEqual(a.bestAfter, b.bestAfter, name);
      assert.equal(a.queriesToTop01, b.queriesToTop01, name);
    }
  });

  test('two LSTM controllers can exist at once in one thread', () => {
    // tfjs variable names are global per thread: a controller must not register fixed names.
    const a = createStrategy('reinforce', space, undefined, 1);
    try {
      const b = createStrategy('reinforce', space, undefined, 2);
      try {
        assert.equal(runSearch(b, table, 12).bestAfter.length, 12);
        assert.equal(runSearch(a, table, 12).bestAfter.length, 12);
      } finally {
        b.dispose();
      }
    } finally {
      a.dispose();
    }
  });

  test('an LSTM controller frees all its tensors on dispose', () => {
    const before = tf.memory().numTensors;
    const s = createStrategy('ppo', space, undefined, 1);
    runSearch(s, table, 20);
    s.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('runSearch with scripted strategies on a generated 50-row table', () => {
  let dir: string;
  let small: BenchmarkTable;
  // 50 archs; accuracy of the k-th is 50 + k, so the optimum is the last one (99).
  const archs = Array.from({ length: 50 }, (_, k) => {
    const i = k * 311 + 5;
    return Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** (5 - d)) % 5);
  });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-run-search-'));
    const path = join(dir, 'small.csv');
    writeFileSync(path, `arch,test_accuracy\n${archs.map((a, k) => `${space.encode(a)},${50 + k}`).join('\n')}\n`);
    small = BenchmarkTable.load(path, space);
    assert.equal(small.optimum, 99);
    assert.equal(small.top01Threshold, 99);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Proposes archs from `order` (indices into `archs`) one after another, wrapping around. */
  const scripted = (order: number[]): Strategy => {
    let next = 0;
    return {
      name: 'random',
      propose: (n) => Array.from({ length: n }, () => [...archs[order[next++ % order.length]!]!]),
      sample: () => [],
      observe: () => {},
      checkpoint: () => ({ strategy: 'random' }),
      restore: () => {},
      stats: () => ({}),
      dispose: () => {},
    };
  };

  test('ascending order over the whole table: optimum found at the last query', () => {
    const order = archs.map((_, k) => k);
    const s = recording(scripted(order));
    const trace = runSearch(s, small, 50);
    assert.deepEqual(
      trace.bestAfter,
      order.map((k) => 50 + k),
    );
    assert.equal(trace.queriesToTop01, 50);
    assert.equal(trace.foundOptimum, true);
    checkTrace(trace, s.proposals, 50, small);
  });

  test('a budget that stops short of the optimum: not found, queriesToTop01 = budget + 1', () => {
    const s = recording(scripted(archs.map((_, k) => k)));
    const trace = runSearch(s, small, 30);
    assert.equal(trace.bestAfter.length, 30);
    assert.equal(trace.bestAfter.at(-1), 79);
    assert.equal(trace.queriesToTop01, 31);
    assert.equal(trace.foundOptimum, false);
    checkTrace(trace, s.proposals, 30, small);
  });

  test('optimum first: found at query 1', () => {
    const s = recording(scripted([49, ...archs.map((_, k) => k).slice(0, 49)]));
    const trace = runSearch(s, small, 10, 3);
    assert.equal(trace.queriesToTop01, 1);
    assert.equal(trace.foundOptimum, true);
    assert.ok(trace.bestAfter.every((b) => b === 99));
    checkTrace(trace, s.proposals, 10, small);
  });

  test('repeated proposals are answered from the cache and do not use up the budget', () => {
    // Each arch proposed twice in a row: 0,0,1,1,2,2,...
    const order = archs.flatMap((_, k) => [k, k]);
    const s = recording(scripted(order));
    const trace = runSearch(s, small, 20, 3);
    assert.equal(trace.bestAfter.length, 20);
    assert.ok(trace.proposals > 20);
    assert.deepEqual(
      trace.bestAfter,
      Array.from({ length: 20 }, (_, k) => 50 + k),
    );
    checkTrace(trace, s.proposals, 20, small);
  });

  test('a strategy that keeps repeating itself stops the run instead of looping forever', () => {
    const s = recording(scripted([3]));
    const trace = runSearch(s, small, 10);
    assert.equal(trace.bestAfter.length, 1);
    assert.equal(trace.proposals, 200); // budget * 20
    assert.equal(trace.queriesToTop01, 11);
    assert.equal(trace.foundOptimum, false);
  });
});
