import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

/**
 * A short run of every `npm run bench:*` script, so that none breaks unseen: each is started as a user starts it and
 * its JSON or printed report is checked for shape, never for timings.
 */
const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-bench-scripts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TABLE = 'bench/tables/nb201-cifar10.csv';
const tinySpec = join(dir, 'tiny.yaml');
writeFileSync(
  tinySpec,
  `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: tiny-retrain}
spec:
  seed: 2
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 256}
  space: {name: enas-micro, blocks: 5, ops: [sep_conv_3x3, sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce}
  evaluation: {mode: weight-sharing, epochs: 1, controllerStepsPerEpoch: 2}
  budget: {candidates: 2}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
  final: {topK: 1, epochs: 1, batchSize: 64, baseline: resnet-small}
`,
);

const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
const json = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
const isFinitePositive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;

interface Case {
  args: string[];
  check: (stdout: string) => void;
}

/** Each script's short run; a script covered by a test file of its own names that file instead. */
const CASES: Record<string, Case | string> = {
  'bench:ablation': {
    args: ['--table', TABLE, '--seeds', '1', '--queries', '10', '--threads', '1', '--json', join(dir, 'ablation.json')],
    check: (stdout) => {
      const report = json('ablation') as { results: { meanBest: number }[] };
      assert.equal(report.results.length, 16);
      for (const a of report.results) assert.ok(a.meanBest > 0 && a.meanBest <= 100);
      assert.match(stdout, /reinforce, ENAS settings/);
    },
  },
  'bench:throughput': {
    // The PyTorch peer is Debian's python3-torch, which the tests do not install; the full run compares with it.
    args: [
      '--threads',
      '1',
      '--steps',
      '2',
      '--warmup',
      '1',
      '--network',
      'reference-cnn',
      '--no-pytorch',
      '--json',
      join(dir, 'throughput.json'),
    ],
    check: () => {
      const report = json('throughput') as { networks: { nasmeshImagesPerSecond: number; pytorchImagesPerSecond: null }[] };
      assert.ok(report.networks.length >= 1);
      for (const n of report.networks)
        assert.ok(isFinitePositive(n.nasmeshImagesPerSecond) && n.pytorchImagesPerSecond === null, JSON.stringify(n));
    },
  },
  'bench:mesh': {
    args: ['--candidates', '6', '--json', join(dir, 'mesh.json')],
    check: () => {
      const report = json('mesh');
      for (const key of ['embeddedMsPerCandidate', 'meshMsPerCandidate', 'engineMsPerCandidate'])
        assert.ok(isFinitePositive(report[key]), key);
      for (const n of ['1', '2', '4']) assert.ok(isFinitePositive((report.candidatesPerSecond as Record<string, number>)[n]), n);
    },
  },
  'bench:soak': {
    args: [
      '--minutes',
      '0.25',
      '--concurrency',
      '2',
      '--evaluators',
      '2',
      '--candidates',
      '3',
      '--chaos-every',
      '5',
      '--json',
      join(dir, 'soak.json'),
    ],
    check: () => {
      const report = json('soak');
      assert.ok((report.searches as number) >= 1);
      assert.equal(report.lost, 0);
      assert.equal(report.duplicated, 0);
      assert.equal(report.mismatched, 0);
    },
  },
  'bench:supernet': {
    args: ['--steps', '4', '--every', '2', '--archs', '2'],
    check: (stdout) => assert.equal(stdout.match(/^steps \d+-\d+: training accuracy \d+\.\d %$/gm)?.length, 2),
  },
  'bench:supernet-ranking': {
    args: [
      '--spec',
      tinySpec,
      '--cells',
      '3',
      '--epochs',
      '2',
      '--steps-per-epoch',
      '3',
      '--score-every',
      '1',
      '--json',
      join(dir, 'ranking.json'),
    ],
    check: (stdout) => {
      const report = json('ranking') as { cells: { accuracy: number; params: number }[]; rankings: { steps: number; scores: number[] }[] };
      assert.equal(report.cells.length, 3);
      for (const c of report.cells) assert.ok(c.accuracy >= 0 && c.accuracy <= 1 && isFinitePositive(c.params), JSON.stringify(c));
      assert.deepEqual(
        report.rankings.map((r) => [r.steps, r.scores.length]),
        [
          [3, 3],
          [6, 3],
        ],
      );
      assert.match(stdout, /^Kendall τ against the short training: parameter count (-?\d\.\d\d|-)$/m);
      assert.equal(stdout.match(/^ {2}shared weights after \d+ steps \(epoch \d\): (-?\d\.\d\d|-)$/gm)?.length, 2);
    },
  },
  'bench:native-kernels': {
    args: [],
    check: (stdout) => assert.equal(stdout.match(/^\[64, \d+, \d+, \d+\] s\d\s+[35]x[35](\s+\d+\.\d\d){3}$/gm)?.length, 6),
  },
  'bench:retrain-cell': {
    args: ['--arch', 'enas', '--spec', tinySpec, '--seed', '1'],
    check: (stdout) => {
      assert.match(stdout, /^cell: test accuracy \d+\.\d\d %, \d+ params/m);
      assert.match(stdout, /^resnet-small: test accuracy \d+\.\d\d %, \d+ params/m);
      assert.match(stdout, /^difference: -?\d+\.\d\d points \(seed 1, /m);
    },
  },
  'bench:nb201-headroom': {
    args: ['--table', TABLE],
    check: (stdout) => {
      assert.match(stdout, /^residual cell \S+: [\d.]+ %, \d+ params, rank \d+ of 15625$/m);
      assert.equal(stdout.match(/ cells: the best [\d.]+ % \(-?[\d.]+ points over the residual cell\)/g)?.length, 3);
    },
  },
  'bench:random-cells': 'test/bench/random-cells.test.ts',
  'bench:derive-table': 'test/bench/cli.test.ts',
};

describe('every npm run bench:* script, in a short run', () => {
  it('has a short run here or a test of its own', () => {
    const benches = Object.keys(scripts).filter((s) => s.startsWith('bench:'));
    assert.deepEqual(
      benches.filter((s) => !(s in CASES)),
      [],
    );
    for (const [name, test] of Object.entries(CASES)) {
      assert.ok(name in scripts, `${name} is not in package.json`);
      if (typeof test === 'string') assert.match(readFileSync(join(root, test), 'utf8'), new RegExp(name.slice('bench:'.length)), test);
    }
  });

  for (const [name, test] of Object.entries(CASES)) {
    if (typeof test === 'string') continue;
    it(`npm run ${name}`, async () => {
      // `npm run X -- args` runs the script's command with the args appended; the command is run directly here.
      const [, ...command] = scripts[name]!.split(' ');
      const { stdout } = await promisify(execFile)(process.execPath, [...command.slice(0, -1), join(root, command.at(-1)!), ...test.args], {
        cwd: root,
        maxBuffer: 1 << 24,
        timeout: 300_000,
      });
      test.check(stdout);
    });
  }
});
