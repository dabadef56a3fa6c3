import type { SpaceConfig } from '../../../src/space/registry.js';
import type { CandidateRecord } from '../../../src/search/types.js';
import type { CandidateResult } from '../../gen/nasmesh/v1/common.js';
import { architectureMessage, architectureJson } from './architecture.js';

/** A stored candidate as the contracts' CandidateResult (a rename: see common.proto). */
export function candidateMessage(space: SpaceConfig, c: CandidateRecord): CandidateResult {
  return {
    index: c.index,
    architecture: architectureMessage(space, c.architecture, c.hash),
    reward: c.reward,
    accuracy: c.accuracy,
    params: c.params,
    flops: c.flops,
    seconds: c.seconds,
    ...(c.diverged !== undefined ? { diverged: c.diverged } : {}),
    ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}),
  };
}

/** The CandidateRecord a CandidateResult message carries: what clients compare with the embedded run's. */
export function candidateRecord(m: CandidateResult): CandidateRecord {
  const architecture = m.architecture;
  if (!architecture) throw new Error(`candidate ${m.index} has no architecture`);
  return {
    index: m.index,
    architecture: architectureJson(architecture),
    hash: architecture.hash,
    reward: m.reward,
    accuracy: m.accuracy,
    params: m.params,
    flops: m.flops,
    seconds: m.seconds,
    ...(m.diverged !== undefined ? { diverged: m.diverged } : {}),
    ...(m.latencyMs !== undefined ? { latencyMs: m.latencyMs } : {}),
  };
}
