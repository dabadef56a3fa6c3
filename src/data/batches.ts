import type { Rng } from '../util/rng.js';
import { augmentSample, drawAugment } from './augment.js';
import type { Batch, BatchOptions, Split } from './types.js';

/**
 * One epoch over `split` in batches of `batchSize` (the last may be smaller, so every sample is seen exactly once).
 * Bytes become floats here, per batch, so the whole split never exists as float32. Shuffle order and augmentation
 * both come from `rng`, so a seed reproduces an epoch exactly.
 */
export function* batches(split: Split, batchSize: number, rng: Rng, opts: BatchOptions = {}): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const { count } = split;
  if (count === 0) return;
  const sample = split.images.length / count;
  const scale = split.images instanceof Uint8Array ? 1 / 255 : 1;
  const order = opts.shuffle === false ? Array.from({ length: count }, (_, i) => i) : rng.sampleIndices(count, count);
  const norm = opts.normalize;
  const channels = norm?.mean.length ?? 1;
  if (norm && sample % channels !== 0) {
    throw new RangeError(`stats have ${channels} channels, sample has ${sample} values`);
  }
  if (opts.augment && opts.shape[0] * opts.shape[1] * opts.shape[2] !== sample) {
    throw new RangeError(`shape ${opts.shape.join('×')} does not match ${sample} values per sample`);
  }

  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = new Float32Array(n * sample);
    const y = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      const src = order[start + b]!;
      y[b] = split.labels[src]!;
      if (opts.augment) {
        augmentSample(split.images, src * sample, x, b * sample, opts.shape, drawAugment(opts.augment, rng), scale);
      } else {
        for (let i = 0; i < sample; i++) x[b * sample + i] = split.images[src * sample + i]! * scale;
      }
    }
    if (norm) {
      // Normalising after augmentation makes crop padding the raw value 0 (black), as torchvision's pipeline does.
      for (let i = 0; i < x.length; i++) {
        const ch = i % channels;
        x[i] = (x[i]! - norm.mean[ch]!) / norm.std[ch]!;
      }
    }
    yield { x, y, count: n };
  }
}
