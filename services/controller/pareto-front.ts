import { type ParetoCost, ParetoFront } from '../../src/reward/pareto.js';
import type { CandidateRecord } from '../../src/search/types.js';

/**
 * The non-dominated candidates over accuracy and the costs every candidate has measured (params once evaluations
 * report it: standalone training does, a benchmark table look-up does not), ordered by accuracy, best first.
 * Diverged candidates are left out: their accuracy measures nothing.
 */
export function paretoFront(candidates: readonly CandidateRecord[]): { objectives: string[]; front: CandidateRecord[] } {
  const scored = candidates.filter((c) => !c.diverged);
  const costs: ParetoCost[] = scored.length > 0 && scored.every((c) => c.params > 0) ? ['params'] : [];
  const front = new ParetoFront<CandidateRecord>(costs);
  for (const c of scored) front.add({ accuracy: c.accuracy, ...(costs.length > 0 ? { params: c.params } : {}) }, c);
  const members = front.points().map((e) => e.item);
  return {
    objectives: ['accuracy', ...costs],
    front: members.sort((a, b) => b.accuracy - a.accuracy || a.index - b.index),
  };
}
