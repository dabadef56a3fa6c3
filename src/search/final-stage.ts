import type { LoadedDataset } from '../data/types.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import { baselineSpec, type BaselineName } from '../train/baseline.js';
import { specToModel } from '../train/child-network.js';
import { fitDataParallel } from '../train/data-parallel.js';
import { networkSpec } from '../train/spec.js';
import { specCost } from '../train/cost.js';
import { modelFiles } from '../train/export.js';
import { accuracy, fit } from '../train/fit.js';
import { seedKernels } from '../train/seeded-init.js';
import type { NetworkConfig } from '../train/types.js';
import type { BackendName, tf } from '../tf/backend.js';
import { Rng } from '../util/rng.js';
import type { ResultFiles } from './result-files.js';
import type { FinalResult } from './types.js';

export interface FinalStageOptions {
  epochs: number;
  batchSize: number;
  /** Initial Adam learning rate, decayed to zero by a cosine schedule over the epochs. */
  learningRate: number;
  seed: number;
  onEpoch?: (label: string, epoch: number, loss: number) => void;
}

/**
 * Retrains the top candidates from scratch, data-parallel on `replicas` worker threads, picks the best by validation
 * accuracy (the test split is only reported, never used to choose) and exports it as a tfjs model: `model/weights.bin`
 * and `model/model.json` of `out`.
 */
export async function retrainBest(
  space: SearchSpace,
  archs: readonly Architecture[],
  data: LoadedDataset,
  network: NetworkConfig,
  opts: FinalStageOptions & { replicas: number; backend: BackendName },
  out: ResultFiles,
): Promise<FinalResult | null> {
  let best: { result: FinalResult; validation: number; model: tf.LayersModel } | null = null;
  for (const arch of archs) {
    const started = performance.now();
    const spec = networkSpec(space, arch, network);
    const label = space.encode(arch);
    const { model } = await fitDataParallel(spec, 'child', data, {
      ...opts,
      onEpoch: (epoch, loss) => opts.onEpoch?.(label, epoch, loss),
    });
    const rng = new Rng(opts.seed);
    const validation = accuracy(model, data.validation, data, rng);
    const { params, macs } = specCost(spec);
    const result: FinalResult = {
      architecture: space.toJSON(arch),
      testAccuracy: accuracy(model, data.test, data, rng),
      params,
      flops: macs,
      epochs: opts.epochs,
      seconds: (performance.now() - started) / 1000,
    };
    if (!best || validation > best.validation) {
      best?.model.dispose();
      best = { result, validation, model };
    } else {
      model.dispose();
    }
  }
  if (!best) return null;
  const files = await modelFiles(best.model);
  best.model.dispose();
  // The weights first: a model.json found is loadable.
  await out.write('model/weights.bin', files['weights.bin']);
  await out.write('model/model.json', files['model.json']);
  return best.result;
}

/**
 * Trains a hand-designed network for comparison: same data, epochs, batch size, Adam with cosine decay and seed, on
 * one thread (it runs beside the search rather than after it).
 */
export function trainBaseline(
  name: BaselineName,
  data: LoadedDataset,
  network: NetworkConfig,
  opts: FinalStageOptions,
): FinalResult {
  const spec = baselineSpec(name, network);
  const model = specToModel(spec, name);
  try {
    const { params, macs } = specCost(spec);
    return { architecture: { baseline: name }, params, flops: macs, ...train(model, data, opts, name) };
  } finally {
    model.dispose();
  }
}

function train(model: tf.LayersModel, data: LoadedDataset, opts: FinalStageOptions, label: string) {
  const started = performance.now();
  const rng = new Rng(opts.seed);
  seedKernels(model, rng);
  fit(model, data, rng, {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    learningRate: opts.learningRate,
    schedule: 'cosine',
    onEpoch: (epoch, loss) => opts.onEpoch?.(label, epoch, loss),
  });
  const testAccuracy = accuracy(model, data.test, data, rng);
  return { testAccuracy, epochs: opts.epochs, seconds: (performance.now() - started) / 1000 };
}
