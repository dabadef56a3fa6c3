import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import { loadResults, renderReport } from '../../src/report/index.js';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import { kendallTau } from '../../src/search/kendall-tau.js';
import { datasetNetwork } from '../../src/train/dataset-network.js';
import { StandaloneEvaluator } from '../../src/search/standalone-evaluator.js';
import type { SearchSummary } from '../../src/search/types.js';
import { createSpace } from '../../src/space/registry.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import { initBackend } from '../../src/tf/backend.js';
import { SIZE_TOLERANCE } from '../../src/train/size-matched-baseline.js';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-finalists-'));
before(async () => {
  await initBackend();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny ENAS search whose final stage short-trains 3 finalists on 96 images, retrains the best 2, sizes a baseline. */
const search = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: finalists}
spec:
  seed: 4
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 256}
  space: {name: enas-micro, blocks: 2, ops: [sep_conv_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: weight-sharing, epochs: 2, sharedStepsPerEpoch: 2, controllerStepsPerEpoch: 2, batchSize: 16, deriveSamples: 4, deriveImages: 64}
  budget: {candidates: 4}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
  final: {topK: 2, finalists: 3, finalistTraining: {epochs: 1, trainSubset: 96, batchSize: 32}, epochs: 1, batchSize: 64, baseline: resnet-small}
`);

describe('final stage: finalists picked by a short standalone training', () => {
  let summary: SearchSummary;
  const out = join(dir, 'run');
  before(async () => {
    summary = await runEmbeddedSearch(search, { outDir: out });
  });

  it('short-trains the derive step best, retrains the best of them, and records both in summary.json', () => {
    const written = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SearchSummary;
    assert.deepEqual(written.finalists, summary.finalists);
    const finalists = summary.finalists!;
    const derived = JSON.parse(readFileSync(join(out, 'finalists.json'), 'utf8')) as {
      architecture: { arch: string };
      validationReward: number;
    }[];
    assert.equal(finalists.length, 3);
    // The finalists are the derive step's three best, each with its derive reward.
    assert.deepEqual(
      finalists.map((f) => [f.architecture.arch, f.deriveReward]).sort(),
      derived
        .slice(0, 3)
        .map((d) => [d.architecture.arch, d.validationReward])
        .sort(),
    );
    for (const f of finalists) assert.ok(f.shortTrainingAccuracy >= 0 && f.shortTrainingAccuracy <= 1 && f.params > 0 && f.flops > 0);
    // Best first by short training; the two best were retrained, and the exported best is the better of them.
    for (let i = 1; i < finalists.length; i++) assert.ok(finalists[i]!.shortTrainingAccuracy <= finalists[i - 1]!.shortTrainingAccuracy);
    assert.deepEqual(
      finalists.map((f) => f.retrained !== undefined),
      [true, true, false],
    );
    const retrained = finalists.slice(0, 2).map((f) => f.retrained!);
    const pick = retrained[0]!.validationAccuracy >= retrained[1]!.validationAccuracy ? 0 : 1;
    assert.equal((summary.best!.architecture as { arch: string }).arch, finalists[pick]!.architecture.arch);
    assert.equal(summary.best!.testAccuracy, retrained[pick]!.testAccuracy);
  });

  it('reports Kendall τ of the search ranking against the short trainings and the retrained accuracy', () => {
    const finalists = summary.finalists!;
    const tau = summary.kendallTau!;
    assert.equal(
      tau.deriveVsShortTraining,
      kendallTau(
        finalists.map((f) => f.deriveReward),
        finalists.map((f) => f.shortTrainingAccuracy),
      ),
    );
    const two = finalists.slice(0, 2);
    const final = two.map((f) => f.retrained!.testAccuracy);
    assert.equal(
      tau.deriveVsRetrained,
      kendallTau(
        two.map((f) => f.deriveReward),
        final,
      ),
    );
    assert.equal(
      tau.shortTrainingVsRetrained,
      kendallTau(
        two.map((f) => f.shortTrainingAccuracy),
        final,
      ),
    );
    assert.ok('deriveVsShortTraining' in JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).kendallTau);
  });

  it('gives each finalist what the standalone evaluator gives it in this thread: seeded, order- and thread-free', async () => {
    const space = createSpace(search.spec.space);
    const data = await loadDataset(search.spec.dataset!);
    const options = { ...search.spec.final!.finalistTraining, schedule: 'cosine' as const };
    const evaluator = new StandaloneEvaluator(space, data, datasetNetwork(data, search.spec.network), options, search.spec.seed);
    for (const f of summary.finalists!.slice(0, 2)) {
      const again = await evaluator.evaluate(space.decode(f.architecture.arch));
      assert.equal(again.accuracy, f.shortTrainingAccuracy);
      assert.equal(again.params, f.params);
    }
  });

  it('sizes the baseline to the retrained best within ±15 % and trains it the same epochs', () => {
    const { best, baseline } = summary;
    assert.ok(best && baseline);
    assert.ok(Math.abs(baseline.params - best.params) / best.params <= SIZE_TOLERANCE, `${baseline.params} against ${best.params}`);
    assert.ok('baseline' in baseline.architecture);
    assert.equal(baseline.architecture.sizedToParams, best.params);
    assert.equal(baseline.epochs, best.epochs);
  });

  it('the report draws both found cells and shows the finalists and τ', () => {
    const html = renderReport(loadResults(out));
    assert.equal(html.match(/<svg[^>]*class="cell-graph"/g)?.length, 2);
    assert.match(html, /aria-label="normal cell"/);
    assert.match(html, /aria-label="reduction cell"/);
    assert.match(html, /<h3>Finalists<\/h3>/);
    assert.match(html, /Kendall τ: derive reward vs short training/);
  });
});

describe('final stage of a standalone search with final.finalists', () => {
  const standalone = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: standalone-finalists}
spec:
  seed: 5
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 256}
  space: {name: enas-micro, blocks: 2, ops: [sep_conv_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: standalone, epochs: 1, trainSubset: 64, batchSize: 32, schedule: cosine, candidatesPerStep: 2, workers: 1}
  budget: {candidates: 4}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
  final: {topK: 1, finalists: 2, finalistTraining: {epochs: 1, trainSubset: 128, batchSize: 32}, epochs: 1, batchSize: 64}
`);
  const out = join(dir, 'standalone');
  let summary: SearchSummary;
  before(async () => {
    summary = await runEmbeddedSearch(standalone, { outDir: out });
  });

  it("short-trains the search's best by its own reward and retrains the best of that training", () => {
    const candidates = readFileSync(join(out, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { architecture: { arch: string }; reward: number; index: number });
    const best = [...candidates].sort((a, b) => b.reward - a.reward || a.index - b.index).slice(0, 2);
    const finalists = summary.finalists!;
    assert.deepEqual(
      finalists.map((f) => [f.architecture.arch, f.deriveReward]).sort(),
      best.map((c) => [c.architecture.arch, c.reward]).sort(),
    );
    assert.ok(finalists[0]!.shortTrainingAccuracy >= finalists[1]!.shortTrainingAccuracy);
    assert.equal((summary.best!.architecture as { arch: string }).arch, finalists[0]!.architecture.arch);
    assert.ok(finalists[0]!.retrained && !finalists[1]!.retrained);
    assert.match(renderReport(loadResults(out)), /Kendall τ: search reward vs short training/);
  });
});
