import { batches } from '../data/batches.js';
import { takeSamples } from '../data/split.js';
import type { LoadedDataset } from '../data/types.js';
import type { Architecture } from '../space/types.js';
import type { Supernet, SupernetBatch } from '../train/supernet/supernet.js';
import { Rng } from '../util/rng.js';

/**
 * ENAS's reward of a candidate: the accuracy (fraction) of `arch` with the shared weights on one validation
 * minibatch. The evaluator service and the embedded search (enasSearch) score the same way.
 */
export function scoreWithSupernet(net: Supernet, arch: Architecture, validationBatch: SupernetBatch): number {
  return net.getReward(arch, validationBatch);
}

/**
 * The validation minibatch candidate `index` of a search seeded `seed` is scored on: `batchSize` distinct validation
 * samples drawn from the pair alone, so any evaluator, and one that redoes a redelivered job, scores a candidate on
 * the same images.
 */
export function candidateValidationBatch(data: LoadedDataset, batchSize: number, seed: number, index: number): SupernetBatch {
  if (data.validation.count === 0)
    throw new RangeError('weight-sharing scoring needs a validation split (spec.dataset.validation.size > 0)');
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ index) >>> 0);
  const [h, w, c] = data.shape;
  const picked = takeSamples(data.validation, rng.sampleIndices(data.validation.count, batchSize), h * w * c);
  return batches(picked, batchSize, rng, { shuffle: false, normalize: data.stats }).next().value!;
}
