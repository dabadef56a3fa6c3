import { type ParetoCost, ParetoFront } from '../../src/reward/pareto.js';
import type { CandidateRecord } from '../../src/search/types.js';

/**
 * The non-dominated candidates over accuracy and the costs every candidate has measured (latency where the reward
 * needs it, mnas; params where every candidate has them: every mode records them, but benchmark look-ups in a table
 * whose network is unknown), ordered by accuracy, best first. Diverged candidates are left out: their accuracy
 * measures nothing.
 */
export function paretoFront(candidates: readonly CandidateRecord[]): { objectives: string[]; front: CandidateRecord[] } {
  const scored = candidates.filter((c) => !c.diverged);
  const measured = (cost: ParetoCost) => scored.length > 0 && scored.every((c) => (c[cost] ?? 0) > 0);
  const costs = (['latencyMs', 'params'] as const).filter(measured);
  const front = new ParetoFront<CandidateRecord>(costs);
  for (const c of scored) front.add({ accuracy: c.accuracy, ...Object.fromEntries(costs.map((cost) => [cost, c[cost]])) }, c);
  const members = front.points().map((e) => e.item);
  return {
    objectives: ['accuracy', ...costs],
    front: members.sort((a, b) => b.accuracy - a.accuracy || a.index - b.index),
  };
}
