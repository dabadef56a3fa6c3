import { batches } from '../data/batches.js';
import type { LoadedDataset, Split } from '../data/types.js';
import type { SupernetBatch } from '../train/supernet/supernet.js';
import type { Rng } from '../util/rng.js';

/** Minibatches forever, reshuffled each pass (augmented for training when the dataset says so). */
export function endlessBatches(split: Split, data: LoadedDataset, batchSize: number, rng: Rng, train: boolean): () => SupernetBatch {
  const augmented = train && (data.augment.pad > 0 || data.augment.flip);
  const epoch = () =>
    batches(
      split,
      batchSize,
      rng,
      augmented ? { augment: data.augment, shape: data.shape, normalize: data.stats } : { normalize: data.stats },
    );
  let it = epoch();
  return () => {
    let next = it.next();
    if (next.done) {
      it = epoch();
      next = it.next();
    }
    return next.value!;
  };
}
