import { batches } from '../data/batches.js';
import type { LoadedDataset, Split } from '../data/types.js';
import { tf } from '../tf/backend.js';
import type { Rng } from '../util/rng.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Stop after this many training samples per epoch (a NASNet-style proxy trains on a subset). */
  samplesPerEpoch?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface FitResult {
  /** Mean training loss of each epoch. */
  losses: number[];
  /** Set when training stopped early because the loss stopped being finite. */
  diverged?: string;
}

/**
 * Trains a model from scratch with Adam on the dataset's training split (augmented and normalised as the dataset
 * says). Diverging runs stop early and say why, instead of wasting the rest of the budget.
 */
export function fit(model: tf.LayersModel, data: LoadedDataset, rng: Rng, opts: FitOptions): FitResult {
  const optimizer = tf.train.adam(opts.learningRate);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      let total = 0;
      let seen = 0;
      const augmented = data.augment.pad > 0 || data.augment.flip;
      const stream = batches(
        data.train,
        opts.batchSize,
        rng,
        augmented ? { augment: data.augment, shape: data.shape, normalize: data.stats } : { normalize: data.stats },
      );
      for (const batch of stream) {
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(batch.x, [batch.count, ...data.shape]);
          const y = tf.tensor1d(batch.y, 'int32');
          return optimizer.minimize(
            () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, data.classes), model.apply(x, { training: true }) as tf.Tensor),
            true,
          )!;
        });
        const value = loss.dataSync()[0]!;
        loss.dispose();
        if (!Number.isFinite(value)) {
          return { losses, diverged: `loss became ${value} in epoch ${epoch + 1} after ${seen} samples` };
        }
        total += value * batch.count;
        seen += batch.count;
        if (opts.samplesPerEpoch !== undefined && seen >= opts.samplesPerEpoch) break;
      }
      losses.push(total / seen);
      opts.onEpoch?.(epoch, total / seen);
    }
    return { losses };
  } finally {
    optimizer.dispose();
  }
}

/** Top-1 accuracy in [0, 1] on a split (inference mode: batch-norm moving statistics). */
export function accuracy(model: tf.LayersModel, split: Split, data: LoadedDataset, rng: Rng, batchSize = 256): number {
  let correct = 0;
  for (const batch of batches(split, batchSize, rng, { shuffle: false, normalize: data.stats })) {
    correct += tf.tidy(() => {
      const logits = model.apply(tf.tensor4d(batch.x, [batch.count, ...data.shape]), { training: false }) as tf.Tensor;
      return tf.sum(tf.equal(tf.argMax(logits, 1), tf.tensor1d(batch.y, 'int32'))).dataSync()[0]!;
    });
  }
  return split.count === 0 ? 0 : correct / split.count;
}
