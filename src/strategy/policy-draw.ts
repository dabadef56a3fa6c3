import type { SearchSpace } from '../space/types.js';
import type { Rng } from '../util/rng.js';
import { type History, proposeUnique } from './history.js';

/** Architectures drawn from a policy, each with the entropy (nats) of the policy's steps along its decisions. */
export interface PolicyDraw {
  readonly archs: number[][];
  readonly entropies: readonly number[];
}

/**
 * proposeUnique over a policy's draws, also returning the mean entropy of every draw it made. Summing step
 * entropies along a draw estimates the entropy of the whole-architecture distribution without bias (chain rule), so
 * this costs nothing beyond the sampling itself. Undefined when nothing was drawn.
 */
export function proposeFromPolicy(
  n: number,
  history: History,
  draw: (m: number) => PolicyDraw,
  space: SearchSpace,
  rng: Rng,
): { archs: number[][]; entropy: number | undefined } {
  const entropies: number[] = [];
  const archs = proposeUnique(
    n,
    history,
    (m) => {
      const d = draw(m);
      entropies.push(...d.entropies);
      return d.archs;
    },
    space,
    rng,
  );
  const entropy = entropies.length === 0 ? undefined : entropies.reduce((a, b) => a + b, 0) / entropies.length;
  return { archs, entropy };
}
