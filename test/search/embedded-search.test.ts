import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import type { DatasetSpecInput } from '../../src/data/spec.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { createSpace, type SpaceConfig } from '../../src/space/registry.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { architectureCost } from '../../src/train/cost.js';
import { loadModel } from '../../src/train/export.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../../src/export/onnx-graph.js';
import { resultsOnnxModel } from '../../src/export/results-onnx.js';
import * as ort from 'onnxruntime-node';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-search-'));
before(async () => {
  await initBackend();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const spec = (evaluation: string, final = '', budget = 3) =>
  parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: tiny}
spec:
  seed: 3
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 256}
  space: {name: enas-micro, blocks: 2, ops: [sep_conv_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: ${evaluation}
  budget: {candidates: ${budget}}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
${final}`);

const candidates = (out: string) =>
  readFileSync(join(out, 'candidates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CandidateRecord);
const withoutTimes = (rs: CandidateRecord[]) => rs.map(({ seconds: _, ...r }) => r);

describe('embedded search', () => {
  it('standalone: evaluates the budget, records every candidate, retrains and exports a reloadable model', async () => {
    const out = join(dir, 'standalone');
    const summary = await runEmbeddedSearch(
      spec('{mode: standalone, epochs: 1, batchSize: 64, workers: 1}', '  final: {topK: 1, epochs: 1, baseline: resnet-small}'),
      { outDir: out },
    );
    const recs = candidates(out);
    assert.equal(recs.length, 3);
    assert.equal(new Set(recs.map((r) => r.hash)).size, 3);
    for (const r of recs) {
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && r.params > 0 && r.flops > 0, JSON.stringify(r));
    }
    assert.ok(summary.best && summary.baseline);
    // One epoch on 256 images: only the bookkeeping is checked here, not the accuracy reached.
    assert.ok(summary.best.testAccuracy >= 0 && summary.best.testAccuracy <= 1);
    assert.equal(
      summary.best.params,
      recs.find((r) => r.architecture.arch === (summary.best!.architecture as { arch: string }).arch)!.params,
    );
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).best, summary.best);
    // Where it reproduces: results are seeded per backend and kind of CPU.
    assert.equal(summary.machine.backend, tf.getBackend());
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).machine, summary.machine);

    const model = await loadModel(join(out, 'model'));
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1);
    const again = await loadModel(join(out, 'model'));
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(expected), Array.from((again.predict(x) as tf.Tensor).dataSync()));

    // The ONNX model the final stage wrote is what `nasmesh export` makes of the tfjs files, and predicts the same.
    const onnx = readFileSync(join(out, 'model', 'model.onnx'));
    assert.ok(Buffer.from(await resultsOnnxModel(out)).equals(onnx));
    const session = await ort.InferenceSession.create(onnx);
    const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x.dataSync() as Float32Array, [4, 28, 28, 1]) });
    const got = result[ONNX_OUTPUT]!.data as Float32Array;
    const worst = Math.max(...Array.from(expected, (e, i) => Math.abs(e - got[i]!)));
    assert.ok(worst <= 1e-4 * Math.max(1, ...Array.from(expected, Math.abs)), `ONNX logits differ by ${worst}`);
    await session.release();
  });

  it('standalone: the same seed gives the same search on one worker thread as on two', async () => {
    const a = join(dir, 'repro-a');
    const b = join(dir, 'repro-b');
    await runEmbeddedSearch(spec('{mode: standalone, epochs: 1, batchSize: 64, workers: 2}'), { outDir: a });
    await runEmbeddedSearch(spec('{mode: standalone, epochs: 1, batchSize: 64, workers: 1}'), { outDir: b });
    assert.deepEqual(withoutTimes(candidates(b)), withoutTimes(candidates(a)));
  });

  it('weight sharing: ENAS epochs score candidates with the stored supernet; an interrupted run resumes exactly', async () => {
    const evaluation =
      '{mode: weight-sharing, epochs: 2, sharedStepsPerEpoch: 2, controllerStepsPerEpoch: 2, batchSize: 16, deriveSamples: 2, deriveImages: 32}';
    const search = spec(evaluation, '', 4);
    const out = join(dir, 'ws');
    const summary = await runEmbeddedSearch(search, { outDir: out });
    const recs = candidates(out);
    assert.deepEqual(
      recs.map((r) => r.index),
      [0, 1, 2, 3],
    );
    assert.equal(summary.candidates, 4);
    assert.ok(recs.every((r) => r.reward >= 0 && r.reward <= 1 && r.reward === r.accuracy));
    // Weight sharing trains no candidate network, yet each gets the cost of the one it stands for.
    const space = createSpace(search.spec.space);
    for (const r of recs) {
      const cost = architectureCost(space, space.fromJSON(r.architecture), {
        inputShape: [28, 28, 1],
        classes: 10,
        ...search.spec.network,
      });
      assert.deepEqual([r.params, r.flops], [cost.params, cost.macs]);
      assert.ok(r.params > 0 && r.flops > 0);
    }
    for (const epoch of [1, 2])
      assert.ok(existsSync(join(out, 'state', 'tiny', 'blobs', 'supernet', String(epoch))), `epoch ${epoch} stored`);
    const finalists = JSON.parse(readFileSync(join(out, 'finalists.json'), 'utf8')) as { validationReward: number }[];
    assert.ok(finalists.length >= 2 && finalists.every((f, i) => i === 0 || f.validationReward <= finalists[i - 1]!.validationReward));

    // Stopped in epoch 2, then resumed: epoch 1's weights come from the store, epoch 2 is trained as before.
    const cut = join(dir, 'ws-cut');
    const stop = new AbortController();
    const interrupted = runEmbeddedSearch(search, {
      outDir: cut,
      signal: stop.signal,
      onProgress: (p) => p.phase === 'search' && p.done >= 3 && stop.abort(),
    });
    await assert.rejects(interrupted, { name: 'AbortError' });
    await runEmbeddedSearch(search, { outDir: cut, resume: true });
    assert.deepEqual(withoutTimes(candidates(cut)), withoutTimes(recs));
  });
});

describe('evaluator pool', () => {
  it('gives a candidate the same evaluation as training it in this thread', async () => {
    const { EvaluatorPool } = await import('../../src/search/evaluator-pool.js');
    const { StandaloneEvaluator } = await import('../../src/search/standalone-evaluator.js');
    const { loadDataset } = await import('../../src/data/load.js');
    const { createSpace } = await import('../../src/space/registry.js');
    const spaceConfig: SpaceConfig = { name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'identity'] };
    const dataset: DatasetSpecInput = { name: 'mnist', validation: { size: 128, seed: 0 }, subset: 128 };
    const network = { channels: 4, cellsPerStage: 1, stages: 2 };
    const options = { epochs: 1, batchSize: 64, learningRate: 0.001 };
    const space = createSpace(spaceConfig);
    const data = await loadDataset(dataset);
    const arch = space.decisions.map((d, i) => i % d.choices.length);
    const local = await new StandaloneEvaluator(
      space,
      data,
      { inputShape: data.shape, classes: data.classes, ...network },
      options,
      9,
    ).evaluate(arch);
    const pool = await EvaluatorPool.start(1, { space: spaceConfig, dataset, network, options, seed: 9, backend: 'wasm' });
    try {
      assert.deepEqual(await pool.evaluate(arch), local);
    } finally {
      await pool.close();
    }
  });
});
