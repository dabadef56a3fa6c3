import type { MnasExponents } from './types.js';

/**
 * The exponent presets from MnasNet (Tan et al., 2019, §3):
 * - soft: alpha = beta = -0.07, a smooth trade-off that still rewards models faster than the target;
 * - hard: alpha = 0, beta = -1, no bonus below the target and a sharp penalty above it.
 */
export const MNAS_MODES = {
  soft: { alpha: -0.07, beta: -0.07 },
  hard: { alpha: 0, beta: -1 },
} as const satisfies Record<string, MnasExponents>;

export type MnasMode = keyof typeof MNAS_MODES;

/** The piecewise exponent w of MnasNet: alpha when `value <= target`, beta otherwise. */
export function mnasExponent(value: number, target: number, alpha: number, beta: number): number {
  return value <= target ? alpha : beta;
}

/**
 * MnasNet's multi-objective reward ACC(m) × [LAT(m) / T]^w, w = alpha if LAT(m) <= T else beta.
 * A pure formula: callers must pass latency > 0 and target > 0 (createReward checks this), since with a negative
 * exponent a zero latency would give an infinite reward.
 */
export function mnasReward(accuracy: number, latency: number, target: number, alpha: number, beta: number): number {
  return accuracy * (latency / target) ** mnasExponent(latency, target, alpha, beta);
}
