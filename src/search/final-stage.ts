import type { LoadedDataset } from '../data/types.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import type { BaselineName } from '../train/baseline.js';
import { fitDataParallel } from '../train/data-parallel.js';
import { networkSpec } from '../train/spec.js';
import { specCost } from '../train/cost.js';
import { modelFiles } from '../train/export.js';
import { ONNX_MODEL_FILE, onnxModelBytes } from '../export/onnx-export.js';
import { accuracy, type TrainingProgress } from '../train/fit.js';
import { sizeMatchedBaseline } from '../train/size-matched-baseline.js';
import type { NetworkConfig, NetworkSpec } from '../train/types.js';
import type { BackendName, tf } from '../tf/backend.js';
import { Rng } from '../util/rng.js';
import type { ResultFiles } from './result-files.js';
import type { FinalResult } from './types.js';

/**
 * The final stage's training harness, the same for the retrained candidates and the baseline: Adam from a seeded
 * initialisation with a cosine schedule, data-parallel on `replicas` worker threads (whose batch-norm shards are
 * part of the result).
 */
export interface FinalStageOptions {
  epochs: number;
  batchSize: number;
  /** Initial Adam learning rate, decayed to zero by a cosine schedule over the epochs. */
  learningRate: number;
  seed: number;
  replicas: number;
  backend: BackendName;
  /** After each epoch: `run` is the network's rank among those retrained ("1/3") or the baseline's name. */
  onEpoch?: (run: string, epoch: number, loss: number) => void;
  /** Batch by batch, for progress displays; `run` as for onEpoch. */
  onBatch?: (run: string, progress: TrainingProgress) => void;
}

/**
 * Retrains `archs` from scratch, picks the best by validation accuracy (the test split is only reported, never used
 * to choose; the first on ties) and exports it as a tfjs model, `model/weights.bin` and `model/model.json` of `out`, and
 * as an ONNX model, `model/model.onnx`.
 * Returns every retrained network's result, in the order of `archs`, and the best of them.
 */
export async function retrainTop(
  space: SearchSpace,
  archs: readonly Architecture[],
  data: LoadedDataset,
  network: NetworkConfig,
  opts: FinalStageOptions,
  out: ResultFiles,
): Promise<{ retrained: FinalResult[]; best: FinalResult | null }> {
  const retrained: FinalResult[] = [];
  let best: { result: FinalResult; model: tf.LayersModel; spec: NetworkSpec } | null = null;
  for (const [i, arch] of archs.entries()) {
    const spec = networkSpec(space, arch, network);
    const { model, ...result } = await retrain(spec, `${i + 1}/${archs.length}`, data, opts);
    const final: FinalResult = { architecture: space.toJSON(arch), ...result };
    retrained.push(final);
    if (!best || final.validationAccuracy > best.result.validationAccuracy) {
      best?.model.dispose();
      best = { result: final, model, spec };
    } else {
      model.dispose();
    }
  }
  if (!best) return { retrained, best: null };
  const files = await modelFiles(best.model);
  const onnx = onnxModelBytes(best.spec, best.model);
  best.model.dispose();
  // The weights and the ONNX model first: a model.json found means the export is complete.
  await out.write('model/weights.bin', files['weights.bin']);
  await out.write(ONNX_MODEL_FILE, onnx);
  await out.write('model/model.json', files['model.json']);
  return { retrained, best: best.result };
}

/**
 * Trains a hand-designed network for comparison in the same harness (data, epochs, batch size, schedule, replicas,
 * seed), its width scaled to `targetParams`, the searched network's parameter count (sizeMatchedBaseline, which
 * throws where it cannot come within ±15 %).
 */
export async function trainBaseline(
  name: BaselineName,
  targetParams: number,
  data: LoadedDataset,
  network: NetworkConfig,
  opts: FinalStageOptions,
): Promise<FinalResult> {
  const sized = sizeMatchedBaseline(name, network, targetParams);
  const { model, ...result } = await retrain(sized.spec, name, data, opts);
  model.dispose();
  const architecture = {
    baseline: name,
    sizedToParams: targetParams,
    widthMultiplier: sized.widthMultiplier,
    channels: [...sized.channels],
  };
  return { architecture, ...result };
}

/**
 * One architecture trained from scratch in the harness, its model dropped: for comparisons that keep only the
 * accuracies (npm run bench:random-cells). `run` names it in onEpoch and onBatch.
 */
export async function retrainArchitecture(
  space: SearchSpace,
  arch: Architecture,
  data: LoadedDataset,
  network: NetworkConfig,
  opts: FinalStageOptions,
  run = '1/1',
): Promise<FinalResult> {
  const { model, ...result } = await retrain(networkSpec(space, arch, network), run, data, opts);
  model.dispose();
  return { architecture: space.toJSON(arch), ...result };
}

/** `spec` trained from scratch in the harness, with its validation and test accuracy. */
async function retrain(spec: NetworkSpec, run: string, data: LoadedDataset, opts: FinalStageOptions) {
  const started = performance.now();
  const { model } = await fitDataParallel(spec, 'child', data, {
    ...opts,
    onEpoch: (epoch, loss) => opts.onEpoch?.(run, epoch, loss),
    onBatch: (p) => opts.onBatch?.(run, p),
  });
  const rng = new Rng(opts.seed);
  const validationAccuracy = accuracy(model, data.validation, data, rng);
  const testAccuracy = accuracy(model, data.test, data, rng);
  const { params, macs } = specCost(spec);
  return {
    model,
    testAccuracy,
    validationAccuracy,
    params,
    flops: macs,
    epochs: opts.epochs,
    seconds: (performance.now() - started) / 1000,
  };
}
