/**
 * What one trained child model reports back to the controller. Only `accuracy` is always required; the cost metrics
 * are optional because not every benchmark or trainer measures them, and each objective says which ones it needs.
 */
export interface Metrics {
  /** Validation accuracy as a fraction in [0, 1] (not a percentage: 0.75, not 75). */
  readonly accuracy: number;
  /** Measured inference latency in milliseconds (MnasNet's LAT(m)); must be > 0 when used. */
  readonly latencyMs?: number;
  /** Number of trainable parameters. */
  readonly params?: number;
  /** Floating-point operations (or multiply-adds) of one forward pass. */
  readonly flops?: number;
}

/** Names of the optional cost metrics; used for error field paths (`metrics.latencyMs`). */
export type CostMetric = 'latencyMs' | 'params' | 'flops';

/** Maps a child model's metrics to the scalar reward the controller maximises. */
export type RewardFunction = (metrics: Metrics) => number;

/** MnasNet's two exponents: `alpha` applies at or below the target, `beta` above it. */
export interface MnasExponents {
  readonly alpha: number;
  readonly beta: number;
}
