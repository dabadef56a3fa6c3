import type { StrategyCheckpoint } from '../../src/controller/types.js';

/** A controller's policy at one version (Controller.GetPolicySnapshot's answer, parsed). */
export interface PolicyVersion {
  /** Policy updates so far. */
  readonly version: number;
  readonly checkpoint: StrategyCheckpoint;
}

/**
 * Where the trainer gets a search's policy from, once per epoch: the controller over gRPC in the mesh
 * (ControllerPolicySource), anything that serves strategy checkpoints in tests and embedded wiring.
 */
export interface PolicySource {
  /**
   * The search's policy once its version is at least `minVersion`, waiting as long as that takes; rejects with
   * `signal.reason` once `signal` is aborted.
   */
  fetch(searchId: string, minVersion: number, signal: AbortSignal): Promise<PolicyVersion>;
  close(): void;
}
