import type { StrategyCheckpoint } from '../strategy/types.js';

/** A search's policy at one version (the controller's strategy checkpoint after `version` updates). */
export interface PolicyVersion {
  /** Policy updates so far. */
  readonly version: number;
  readonly checkpoint: StrategyCheckpoint;
}

/**
 * Where supernet training gets a search's policy from, once per epoch: the controller over gRPC in the mesh
 * (services/supernet-trainer's ControllerPolicySource), the search's own store in an embedded run.
 */
export interface PolicySource {
  /**
   * The search's policy once its version is at least `minVersion`, waiting as long as that takes; rejects with
   * `signal.reason` once `signal` is aborted.
   */
  fetch(searchId: string, minVersion: number, signal: AbortSignal): Promise<PolicyVersion>;
  close(): void;
}
