import type { V1Pod } from '@kubernetes/client-node';
import type { CandidateSummary, SearchCondition, SearchStatus } from '../../src/spec/search-status.js';
import { type CandidateResult, SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { Search } from '../gen/nasmesh/v1/controller.js';
import { GPU_RESOURCE } from './desired/worker-pod.js';

/** The condition types a NASSearch's status carries. */
export const CONDITIONS = {
  /** The spec passed `nasmesh validate`'s checks. */
  valid: 'Valid',
  /** The controller runs the search. */
  registered: 'Registered',
  /** Every worker pod found a node; False with reason WaitingForGPUs while GPUs are short. */
  workersScheduled: 'WorkersScheduled',
  /** The spec the search runs is the spec written; False when a field that cannot change did. */
  specApplied: 'SpecApplied',
  /** The final stage (retraining, baseline, export) ran. */
  finalTraining: 'FinalTraining',
} as const;

/** Pareto-front entries kept in the status (the whole front: `nasmesh pareto`). */
export const PARETO_IN_STATUS = 5;

/** `conditions` with `c` set: its lastTransitionTime moves only when its status changes. */
export function withCondition(
  conditions: readonly SearchCondition[],
  c: Omit<SearchCondition, 'lastTransitionTime'>,
  now: Date,
): SearchCondition[] {
  const previous = conditions.find((x) => x.type === c.type);
  const lastTransitionTime = previous && previous.status === c.status ? previous.lastTransitionTime : now.toISOString();
  const next = { ...c, message: c.message.slice(0, 32768), lastTransitionTime };
  return previous ? conditions.map((x) => (x.type === c.type ? next : x)) : [...conditions, next];
}

export function candidateSummary(c: CandidateResult): CandidateSummary {
  return {
    index: c.index,
    architecture: c.architecture?.arch ?? '',
    hash: c.architecture?.hash ?? '',
    accuracy: c.accuracy,
    reward: c.reward,
    ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}),
    ...(c.params ? { params: c.params } : {}),
    ...(c.flops ? { flops: c.flops } : {}),
  };
}

/** Progress fields from the controller's view of the search. */
export function progressOf(
  search: Search,
  front: readonly CandidateResult[],
): Pick<SearchStatus, 'done' | 'total' | 'progress' | 'best' | 'paretoFront'> {
  return {
    done: search.done,
    total: search.total,
    progress: `${search.done}/${search.total}`,
    ...(search.best ? { best: candidateSummary(search.best) } : {}),
    ...(front.length > 0 ? { paretoFront: front.slice(0, PARETO_IN_STATUS).map(candidateSummary) } : {}),
  };
}

export function isEnded(phase: SearchPhase): boolean {
  return phase === SearchPhase.SUCCEEDED || phase === SearchPhase.FAILED || phase === SearchPhase.CANCELLED;
}

/**
 * Why some worker pods have no node, from the scheduler's PodScheduled condition: undefined when all are placed. A
 * pod asking for GPUs that cannot be placed is waiting for GPUs (the documented behaviour: the search waits, it does
 * not fail, until GPUs free up or spec.workers.resources.gpu is lowered).
 */
export function unschedulable(pods: readonly V1Pod[]): { reason: 'WaitingForGPUs' | 'Unschedulable'; message: string } | undefined {
  const stuck = pods.filter((p) =>
    p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'),
  );
  if (stuck.length === 0) return undefined;
  const wantsGpus = stuck.some((p) => p.spec?.containers.some((c) => Number(c.resources?.limits?.[GPU_RESOURCE] ?? 0) > 0));
  const why = stuck[0]!.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message ?? '';
  const pods_ = `${stuck.length} worker pod${stuck.length > 1 ? 's' : ''}`;
  return wantsGpus
    ? { reason: 'WaitingForGPUs', message: `${pods_} wait for GPUs: ${why}` }
    : { reason: 'Unschedulable', message: `${pods_} cannot be scheduled: ${why}` };
}
