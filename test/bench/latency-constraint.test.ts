import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { hypervolume } from '../../src/bench/hypervolume.js';
import { LatencyConstraint } from '../../src/bench/latency-constraint.js';
import { ORACLE_PROTOCOL, runSearch } from '../../src/bench/run-search.js';
import { BenchmarkTable, BenchmarkTableError } from '../../src/bench/table.js';
import type { LatencyConstraintConfig } from '../../src/bench/types.js';
import { mnasReward } from '../../src/reward/mnas.js';
import { Nb201Space } from '../../src/space/nb201.js';
import type { Observation, Strategy } from '../../src/strategy/types.js';
import { createStrategy } from '../../src/strategy/registry.js';
import { initBackend } from '../../src/tf/backend.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const space = new Nb201Space();
const archAt = (i: number): number[] => Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** (5 - d)) % 5);
const ALL = Array.from({ length: 15625 }, (_, i) => archAt(i));
// Accuracy and latency that trade off: more accurate cells are slower, with scatter.
const ACCURACY = ALL.map((_, i) => Number((80 + ((i * 7919) % 15625) / 1000).toFixed(4)));
const LATENCY = ACCURACY.map((a, i) => Number((1 + (a - 80) / 2 + ((i * 104729) % 1000) / 500).toFixed(4)));

let dir: string;
let accuracies: BenchmarkTable;
let latencyPath: string;
const config = (o: Partial<LatencyConstraintConfig> = {}): LatencyConstraintConfig => ({
  table: latencyPath,
  column: 'cpu_ms',
  target: { percentile: 25 },
  reward: 'mnas',
  mode: 'hard',
  ...o,
});

before(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'nasmesh-latency-'));
  const accuracyPath = join(dir, 'accuracy.csv');
  latencyPath = join(dir, 'latency.csv');
  writeFileSync(accuracyPath, `arch,test_accuracy\n${ALL.map((a, i) => `${space.encode(a)},${ACCURACY[i]}`).join('\n')}\n`);
  writeFileSync(latencyPath, `arch,cpu_ms\n${ALL.map((a, i) => `${space.encode(a)},${LATENCY[i]}`).join('\n')}\n`);
  accuracies = BenchmarkTable.load(accuracyPath, space);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hypervolume of an accuracy–latency front', () => {
  const reference = { accuracy: 0, latency: 10 };
  const cases: [string, { accuracy: number; latency: number }[], number][] = [
    ['none', [], 0],
    ['one point: its rectangle to the reference', [{ accuracy: 2, latency: 4 }], 12],
    [
      'two on the front: the union of their rectangles',
      [
        { accuracy: 2, latency: 4 },
        { accuracy: 3, latency: 6 },
      ],
      12 + 4,
    ],
    [
      'a dominated point adds nothing',
      [
        { accuracy: 2, latency: 4 },
        { accuracy: 1, latency: 5 },
      ],
      12,
    ],
    [
      'points beyond the reference add nothing',
      [
        { accuracy: -1, latency: 1 },
        { accuracy: 5, latency: 11 },
      ],
      0,
    ],
    [
      'order does not matter',
      [
        { accuracy: 3, latency: 6 },
        { accuracy: 2, latency: 4 },
      ],
      16,
    ],
  ];
  for (const [what, points, volume] of cases) test(what, () => assert.equal(hypervolume(points, reference), volume));
});

describe('a latency constraint on a table', () => {
  test('the target is a percentile of the latencies or milliseconds; the constrained optimum is the best feasible', () => {
    const c = LatencyConstraint.load(config(), space, accuracies, ORACLE_PROTOCOL);
    const sorted = [...LATENCY].sort((a, b) => a - b);
    assert.equal(c.target, sorted[Math.floor(0.25 * (sorted.length - 1))]);
    const feasible = ACCURACY.filter((_, i) => LATENCY[i]! <= c.target);
    assert.equal(c.constrainedOptimum, Math.max(...feasible));
    assert.ok(c.constrainedOptimum < Math.max(...ACCURACY));
    assert.equal(LatencyConstraint.load(config({ target: 3.5 }), space, accuracies, ORACLE_PROTOCOL).target, 3.5);
  });

  test("rewards: MnasNet's ACC × (LAT/T)^w in either mode, or the accuracy alone", () => {
    const arch = ALL[123]!;
    const lat = LATENCY[123]!;
    const hard = LatencyConstraint.load(config({ target: 5 }), space, accuracies, ORACLE_PROTOCOL);
    assert.equal(hard.reward(90, arch), mnasReward(90, lat, 5, 0, -1));
    const soft = LatencyConstraint.load(config({ target: 5, mode: 'soft' }), space, accuracies, ORACLE_PROTOCOL);
    assert.equal(soft.reward(90, arch), mnasReward(90, lat, 5, -0.07, -0.07));
    const plain = LatencyConstraint.load(config({ target: 5, reward: 'accuracy' }), space, accuracies, ORACLE_PROTOCOL);
    assert.equal(plain.reward(90, arch), 90);
  });

  test('a search reports the best feasible architecture it evaluated and the share of the front it covered', () => {
    const c = LatencyConstraint.load(config(), space, accuracies, ORACLE_PROTOCOL);
    const observed: Observation[] = [];
    const inner = createStrategy('random', space, {}, 3);
    const strategy: Strategy = Object.assign(Object.create(inner) as Strategy, {
      propose: (n: number) => inner.propose(n),
      observe: (results: readonly Observation[]) => observed.push(...results),
    });
    const trace = runSearch(strategy, accuracies, 100, 1, ORACLE_PROTOCOL, 3, c);
    const feasible = observed.filter((o) => c.feasible(o.arch)).map((o) => accuracies.value(o.arch, 'test_accuracy'));
    assert.ok(feasible.length > 0);
    assert.equal(trace.bestFeasible, Math.max(...feasible));
    // The strategy saw the constraint's reward, not the accuracy.
    for (const o of observed) assert.equal(o.reward, c.reward(accuracies.value(o.arch, 'test_accuracy'), o.arch));
    assert.ok(trace.hypervolumeRatio! > 0 && trace.hypervolumeRatio! < 1, String(trace.hypervolumeRatio));
    assert.equal(c.hypervolumeRatio(ALL), 1);
  });

  test('a latency table without a row of the space is refused, naming the file', () => {
    const partial = join(dir, 'partial.csv');
    writeFileSync(partial, `arch,cpu_ms\n${space.encode(ALL[0]!)},1.5\n`);
    assert.throws(() => LatencyConstraint.load(config({ table: partial }), space, accuracies, ORACLE_PROTOCOL), BenchmarkTableError);
  });
});

describe('nasmesh bench with a latency table', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'bench', '--table', join(dir, 'accuracy.csv'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  test('reports the feasible best, the constrained optimum and the hypervolume per algorithm', () => {
    const out = join(dir, 'out.json');
    const run = bench(
      ...['--latency-table', latencyPath, '--latency-column', 'cpu_ms', '--latency-target', 'p50', '--reward', 'mnas'],
      ...['--algorithms', 'random,evolution', '--queries', '30', '--seeds', '2', '--threads', '1', '--backend', 'cpu', '--json', out],
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /best feasible/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      latency: { targetMs: number; constrainedOptimum: number; reward: string; mode: string };
      results: { meanBestFeasible: number; pFeasible: number; hypervolumeRatio: number }[];
    };
    assert.equal(report.latency.reward, 'mnas');
    assert.equal(report.latency.mode, 'soft');
    for (const r of report.results) {
      assert.ok(r.meanBestFeasible <= report.latency.constrainedOptimum);
      assert.equal(r.pFeasible, 1);
      assert.ok(r.hypervolumeRatio > 0 && r.hypervolumeRatio <= 1);
    }
  });

  test('the latency flags go together, and mnas needs them; a bad target names the forms allowed', () => {
    assert.match(bench('--reward', 'mnas').stderr, /--reward: mnas needs --latency-table, --latency-column and --latency-target/);
    assert.match(bench('--latency-table', latencyPath).stderr, /--latency-table: needs --latency-column and --latency-target/);
    assert.match(bench('--latency-target', 'p200').stderr, /--latency-target must be milliseconds above 0 \(12\.5\) or a percentile/);
    assert.match(bench('--reward', 'speed').stderr, /Allowed choices are accuracy, mnas/);
  });
});
