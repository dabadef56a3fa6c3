import { setImmediate as nextTurn } from 'node:timers/promises';
import { tf } from '../tf/backend.js';

export interface TimingOptions {
  /** Untimed runs first: the first run compiles kernels and allocates buffers. */
  readonly warmup: number;
  readonly repeats: number;
  /** Aborts between runs. */
  readonly signal?: AbortSignal;
}

/** Wall time of `repeats` inference runs of `model` on one random batch of `batchShape`: median and p90 in ms. */
export async function timeInference(
  model: tf.LayersModel,
  batchShape: readonly number[],
  options: TimingOptions,
): Promise<{ medianMs: number; p90Ms: number }> {
  const x = tf.randomUniform([...batchShape], 0, 1, 'float32', 1);
  try {
    const times: number[] = [];
    for (let run = 0; run < options.warmup + options.repeats; run++) {
      // A run blocks the event loop; yielding between runs lets a cancelled call (or SIGTERM) be noticed.
      await nextTurn();
      options.signal?.throwIfAborted();
      const start = performance.now();
      // Reading the output back is part of inference: without it the backend may still be computing.
      tf.tidy(() => void (model.predict(x) as tf.Tensor).dataSync());
      if (run >= options.warmup) times.push(performance.now() - start);
    }
    return { medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9) };
  } finally {
    x.dispose();
  }
}

/** Linearly interpolated quantile (numpy's default), so p90 >= median always holds. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
