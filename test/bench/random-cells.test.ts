import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type RandomCellsReport, runRandomCells } from '../../bench/random-cells-run.js';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import type { SearchSummary } from '../../src/search/types.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import { initBackend } from '../../src/tf/backend.js';

/** The short run of `npm run bench:random-cells`: a tiny spec whose final stage trains one epoch on 384 images. */
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-random-cells-'));
const specFile = join(dir, 'tiny.yaml');
const specText = `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: tiny-random-cells}
spec:
  seed: 3
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 384}
  space: {name: enas-micro, blocks: 5, ops: [sep_conv_3x3, sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: weight-sharing, epochs: 2, sharedStepsPerEpoch: 3, controllerStepsPerEpoch: 2, batchSize: 16, deriveSamples: 2, deriveImages: 32}
  budget: {candidates: 4}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
  final: {topK: 1, finalists: 2, finalistTraining: {epochs: 1, trainSubset: 96, batchSize: 32}, epochs: 1, batchSize: 64, replicas: 2, baseline: resnet-small}
`;
const results = join(dir, 'searched');
let summary: SearchSummary;

before(async () => {
  await initBackend();
  writeFileSync(specFile, specText);
  summary = await runEmbeddedSearch(parseSearchSpec(specText), { outDir: results });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const script = join(import.meta.dirname, '../../bench/random-cells.ts');
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--spec', specFile, ...args], { maxBuffer: 1 << 24 });

describe('npm run bench:random-cells', () => {
  const json = join(dir, 'report.json');
  const args = ['--cells', '3', '--seed', '3', '--results', results, '--published', 'enas', '--json', json];

  it('trains K distinct uniform cells in the final stage and sets the searched, published and baseline cells beside them', async () => {
    const { stdout } = await run(...args);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RandomCellsReport;
    assert.equal(report.random.length, 3);
    assert.equal(new Set(report.random.map((c) => c.arch)).size, 3);
    const accuracies = report.random.map((c) => c.testAccuracy);
    const d = report.distribution!;
    assert.equal(d.n, 3);
    assert.ok(Math.abs(d.mean - accuracies.reduce((a, b) => a + b) / 3) < 1e-9);
    assert.ok(d.min <= d.q1 && d.q1 <= d.median && d.median <= d.q3 && d.q3 <= d.max);
    assert.equal(d.max, Math.max(...accuracies));
    for (const c of report.random) assert.ok(c.params > 0 && c.macs > 0 && c.from === 'trained', c.label);

    assert.deepEqual(
      report.compared.map((c) => [c.kind, c.from]),
      [
        ['searched', 'summary.json'],
        ['published', 'trained'],
        ['baseline', 'summary.json'],
      ],
    );
    const [searched, , baseline] = report.compared;
    // Same harness, seed and kernels as the search's own final stage: its retraining is the result.
    assert.equal(searched!.label, 'reinforce search, seed 3');
    assert.equal(searched!.testAccuracy, 100 * summary.best!.testAccuracy);
    assert.equal(baseline!.testAccuracy, 100 * summary.baseline!.testAccuracy);
    for (const c of report.compared) {
      assert.ok(Math.abs(c.differenceFromMean - (c.testAccuracy - d.mean)) < 1e-9, c.label);
      const below = accuracies.filter((a) => a < c.testAccuracy).length + accuracies.filter((a) => a === c.testAccuracy).length / 2;
      assert.equal(c.percentile, (100 * below) / 3, c.label);
    }
    assert.match(stdout, /random cells \(K = 3\): mean \d+\.\d\d %, std \d+\.\d\d, quartiles/);
    assert.match(stdout, /\| reinforce search, seed 3 \| \d+\.\d\d % \| [\d,]+ \| \d+\.\d M \| [+-]\d+\.\d\d \| \d+ \|/);
  });

  it('continues from its JSON: a second run of the same settings trains nothing again', async () => {
    const before = readFileSync(json, 'utf8');
    const { stderr } = await run(...args);
    assert.doesNotMatch(stderr, /trained, elapsed/);
    assert.equal(readFileSync(json, 'utf8'), before);
  });

  it('refuses a JSON written with another harness seed, and a results directory that is not a finished run', async () => {
    await assert.rejects(run('--cells', '3', '--seed', '4', '--json', json), /written with another harness, draw seed or CPU/);
    await assert.rejects(run('--cells', '0', '--results', dir), /tiny.yaml|search.json: cannot read it as JSON/);
    await assert.rejects(run('--cells', '-1'), /--cells.*not a non-negative integer/);
  });

  it("retrains a searched cell exactly as the search's final stage did where its result cannot be reused", async () => {
    // Another CPU's summary is not reused, so the cell is retrained here: the same harness gives the same accuracy.
    const copy = join(dir, 'elsewhere');
    cpSync(results, copy, { recursive: true });
    const file = join(copy, 'summary.json');
    const other = JSON.parse(readFileSync(file, 'utf8')) as SearchSummary;
    writeFileSync(file, JSON.stringify({ ...other, machine: { ...other.machine, cpuModelId: 'another' } }));
    const report = await runRandomCells({ spec: specFile, cells: 0, results: [copy], baseline: false });
    assert.equal(report.compared[0]!.from, 'trained');
    assert.equal(report.compared[0]!.testAccuracy, 100 * summary.best!.testAccuracy);
    assert.equal(report.compared[0]!.validationAccuracy, 100 * summary.best!.validationAccuracy);
  });
});
