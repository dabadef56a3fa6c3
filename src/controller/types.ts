import type { Architecture } from '../space/types.js';

export const STRATEGY_NAMES = ['random', 'evolution', 'reinforce', 'ppo', 'qlearning'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** An evaluated architecture. */
export interface Observation {
  readonly arch: Architecture;
  readonly reward: number;
}

/** A JSON-serializable snapshot from which a strategy continues exactly. */
export interface StrategyCheckpoint {
  readonly strategy: StrategyName;
  readonly [key: string]: unknown;
}

/**
 * A search strategy (NASLib/NNI style). `propose` returns architectures not proposed or observed before where the
 * space allows, so an evaluation budget is never spent twice on one architecture; `observe` may receive results in
 * any order and in any grouping.
 */
export interface Strategy {
  readonly name: StrategyName;
  propose(n: number): number[][];
  /**
   * Draws n architectures from the current policy, repeats allowed, without counting them as proposed: what ENAS
   * trains its shared weights on and derives from.
   */
  sample(n: number): number[][];
  observe(results: readonly Observation[]): void;
  checkpoint(): StrategyCheckpoint;
  restore(checkpoint: StrategyCheckpoint): void;
  /** Frees tensors; the strategy is unusable afterwards. */
  dispose(): void;
}
