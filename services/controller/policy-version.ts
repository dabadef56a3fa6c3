import type { SearchSpec } from '../../src/spec/search-spec.js';

/**
 * The policy version after the strategy has observed `observed` candidates: the number of updates, one per step of
 * candidatesPerStep candidates (the last step may be shorter). Derived, not counted, so a restarted controller
 * numbers versions as the first one did.
 */
export function policyVersion(search: SearchSpec, observed: number): number {
  const { evaluation } = search.spec;
  const perStep = evaluation.mode === 'weight-sharing' ? 1 : evaluation.candidatesPerStep;
  return Math.ceil(observed / perStep);
}
