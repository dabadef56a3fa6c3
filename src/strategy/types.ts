import type { Architecture } from '../space/types.js';

export const STRATEGY_NAMES = ['random', 'evolution', 'nsga2', 'reinforce', 'ppo', 'qlearning'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** What an evaluation measured besides the reward, for strategies that weigh the objectives apart (NSGA-II). */
export interface Objectives {
  readonly accuracy: number;
  readonly latencyMs?: number;
}

/** An evaluated architecture. */
export interface Observation {
  readonly arch: Architecture;
  readonly reward: number;
  readonly objectives?: Objectives;
}

/**
 * What a strategy can tell about its own learning, read after `observe`. A field is present only where the strategy
 * has the concept and has a value yet: a strategy without a policy reports no entropy.
 */
export interface StrategyStats {
  /**
   * Entropy in nats of the policy's distribution over whole architectures (the sum over decisions of each step's
   * entropy along a draw), averaged over the policy's draws in the latest `propose`: an estimate of the policy's
   * entropy when it proposed the batch just observed.
   */
  readonly entropy?: number;
  /**
   * The baseline advantages are measured against: a moving average of rewards in the policy's reward scale (a rank
   * quantile in [0, 1] with `rewardTransform: rank`, the raw reward with `raw`).
   */
  readonly baseline?: number;
  /** The exploration rate of an ε-greedy policy. */
  readonly epsilon?: number;
}

/** `stats()` after `observed` observations: one line of a results directory's `controller.jsonl`. */
export interface StrategyStatsRecord extends StrategyStats {
  readonly observed: number;
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
  /**
   * Architectures the strategy has observed and wants evaluated again, at most n (none by default): under a noisy
   * reward (a short training's), its incumbent's repeated evaluations average the noise out, so that one lucky draw
   * does not stand as the best. Their results come back through `observe` like any other.
   */
  reevaluate?(n: number): number[][];
  observe(results: readonly Observation[]): void;
  checkpoint(): StrategyCheckpoint;
  restore(checkpoint: StrategyCheckpoint): void;
  stats(): StrategyStats;
  /** Frees tensors; the strategy is unusable afterwards. */
  dispose(): void;
}
