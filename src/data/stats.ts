import type { ChannelStats, Shape, Split } from './types.js';

/**
 * Per-channel mean and (population) std over every pixel of `split`, in [0, 1] units. Computed on the training
 * split only, so validation accuracy is not flattered by statistics that saw it. Sums are float64: 47M bytes of
 * MNIST would lose precision in float32.
 */
export function channelStats(split: Split, shape: Shape): ChannelStats {
  const c = shape[2];
  const scale = split.images instanceof Uint8Array ? 1 / 255 : 1;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  const { images } = split;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]! * scale;
    sum[i % c]! += v;
    sumSq[i % c]! += v * v;
  }
  const n = images.length / c;
  const mean = new Float32Array(c);
  const std = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    const m = n > 0 ? sum[ch]! / n : 0;
    mean[ch] = m;
    // A constant channel has std 0; use 1 so normalising never divides by zero.
    const s = n > 0 ? Math.sqrt(Math.max(0, sumSq[ch]! / n - m * m)) : 0;
    std[ch] = s > 1e-8 ? s : 1;
  }
  return { mean, std };
}
