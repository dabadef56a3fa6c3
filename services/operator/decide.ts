import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import type { SearchCondition, SearchStatus } from '../../src/spec/search-status.js';
import { ValidationError } from '../../src/util/errors.js';
import { parseWith } from '../../src/util/schema.js';
import { documentFromSpec, specFromDocument } from '../common/messages/search-document.js';
import { type CandidateResult, type SearchDocument, SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { Search } from '../gen/nasmesh/v1/controller.js';
import { desiredEvaluators } from './desired/evaluators.js';
import { desiredFinalTraining } from './desired/final-training.js';
import { desiredSupernetTrainer, supernetTrainerAddress } from './desired/supernet-trainer.js';
import { desiredWorkerSecret } from './desired/worker-secret.js';
import { stableJson } from './drift.js';
import type { EventType } from './event-recorder.js';
import { searchId } from './names.js';
import { resultsLocation } from './results-location.js';
import { CONDITIONS, isEnded, progressOf, unschedulable, withCondition } from './status.js';
import { NASSEARCH, type NASSearch, type OperatorConfig } from './types.js';

/** A search in progress is looked at this often even when nothing tells the operator it changed. */
export const RESYNC_MS = 15_000;

/**
 * A busy search's progress (done, best) is written at most this often: every candidate an event, a hundred searches at
 * a few candidates a second each would otherwise write the API server as often. A phase or a condition that turns is
 * written at once.
 */
export const PROGRESS_INTERVAL_MS = 1_000;

const ENDED_PHASES: readonly string[] = ['Succeeded', 'Failed', 'Cancelled'];

/** What the controller answered when this reconcile registered the search. */
export type Registration =
  | { readonly outcome: 'created' }
  /** Permanent for this spec: INVALID_ARGUMENT (InvalidSpec) or FAILED_PRECONDITION (Refused). */
  | { readonly outcome: 'refused'; readonly reason: 'InvalidSpec' | 'Refused'; readonly message: string }
  /** Transient: the controller unreachable, a deadline. */
  | { readonly outcome: 'unavailable'; readonly message: string };

/** Everything a reconcile reads before it decides: the NASSearch, the caches' view of its children, the controller's. */
export interface Observed {
  readonly nas: NASSearch;
  readonly config: OperatorConfig;
  readonly now: Date;
  /** The controller's view; undefined when it has no such search or was not asked (see controllerAsked). */
  readonly search?: Search;
  /** The search's Pareto front, once it has results. */
  readonly front?: readonly CandidateResult[];
  /** The search's live pods and Jobs (its label), as the caches hold them. */
  readonly pods: readonly V1Pod[];
  readonly jobs: readonly V1Job[];
  /** The mesh Secret's data, where the workers get a copy of it (config.workerSecret). */
  readonly meshSecret?: Readonly<Record<string, string>>;
  /** Set in the reconcile that registered the search. */
  readonly registration?: Registration;
  /** When this operator last wrote the search's status (undefined: not since it started). */
  readonly statusWrittenAt?: Date;
}

export interface SearchEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** What a reconcile does, in order: apply the objects, register, follow or forget, write the status, record events. */
export interface Decision {
  readonly objects: readonly KubernetesObject[];
  /** Register the search with the controller, then decide again with its answer (Observed.registration). */
  readonly register?: { readonly document: SearchDocument; readonly trainer?: string };
  readonly watch?: 'follow' | 'forget';
  /** The status to write; absent when the NASSearch already has it. */
  readonly status?: SearchStatus;
  readonly events: readonly SearchEvent[];
  readonly requeueAfterMs?: number;
  /** A transient failure: the reconcile queue backs off and tries again. */
  readonly retry?: string;
}

/** The NASSearch as the search document `nasmesh validate` checks; errors name the field (`spec.budget...`). */
export function parseSearch(nas: NASSearch): SearchSpec {
  const { namespace, labels } = nas.metadata;
  const metadata = { name: searchId(nas), namespace, ...(labels ? { labels } : {}) };
  return parseWith(searchSpecSchema, { apiVersion: NASSEARCH.apiVersion, kind: NASSEARCH.kind, metadata, spec: nas.spec }, '');
}

/** Whether decide needs the controller's view: a valid spec, and a search that has not ended (or was refused and changed since). */
export function controllerAsked(nas: NASSearch): boolean {
  try {
    parseSearch(nas);
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
  return !ENDED_PHASES.includes(nas.status?.phase ?? 'Pending') || refusedAndChanged(nas);
}

/** A search the controller refused never started: a new generation of its spec is tried afresh, the same one never. */
function refusedBefore(nas: NASSearch): boolean {
  return nas.status?.searchId === undefined && nas.status?.phase === 'Failed';
}

function refusedAndChanged(nas: NASSearch): boolean {
  return refusedBefore(nas) && (nas.status?.observedGeneration ?? 0) < (nas.metadata.generation ?? 0);
}

/**
 * The reconciler's whole judgement, free of I/O: from what is (Observed) to what to do (Decision). Whatever state it
 * finds (a restart, a replica taking over, a child deleted by hand) it asks for the same children, the search
 * registered once, and the status of what is.
 */
export function decide(o: Observed): Decision {
  const { nas, config } = o;
  const generation = nas.metadata.generation ?? 0;
  const status: SearchStatus = structuredClone(nas.status ?? { phase: 'Pending' });
  let conditions = status.conditions ?? [];
  const set = (c: Omit<SearchCondition, 'lastTransitionTime' | 'observedGeneration'>) =>
    (conditions = withCondition(conditions, { ...c, observedGeneration: generation }, o.now));
  const outcome = (next: SearchStatus, rest: Partial<Decision>, event?: SearchEvent): Decision => {
    const changed = stableJson(next) !== stableJson(nas.status ?? {});
    // An event goes with a status that changed: a new phase, a condition that turned, or any warning (kubectl describe
    // lists them); progress alone says nothing.
    const turned = conditionStates(next) !== conditionStates(nas.status);
    const said = event && changed && (next.phase !== nas.status?.phase || turned || event.type === 'Warning') ? [event] : [];
    const registered: SearchEvent[] =
      o.registration?.outcome === 'created'
        ? [{ type: 'Normal', reason: 'Registered', message: `search ${searchId(nas)} started on the controller` }]
        : [];
    const sinceWrite = o.statusWrittenAt ? o.now.getTime() - o.statusWrittenAt.getTime() : Infinity;
    if (changed && said.length === 0 && !turned && next.phase === nas.status?.phase && sinceWrite < PROGRESS_INTERVAL_MS) {
      // Progress alone, written a moment ago: written when the interval is over, with whatever it has become by then.
      const wait = PROGRESS_INTERVAL_MS - sinceWrite;
      return { objects: [], ...rest, requeueAfterMs: Math.min(rest.requeueAfterMs ?? wait, wait), events: registered };
    }
    return { objects: [], ...rest, ...(changed ? { status: next } : {}), events: [...registered, ...said] };
  };

  let spec: SearchSpec;
  try {
    spec = parseSearch(nas);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const warning: SearchEvent = { type: 'Warning', reason: 'InvalidSpec', message: e.message };
    if (status.searchId === undefined) {
      // Never started: nothing runs that the fix could still apply to.
      set({ type: CONDITIONS.valid, status: 'False', reason: 'InvalidSpec', message: e.message });
      return outcome({ ...status, phase: 'Failed', message: e.message, conditions }, {}, warning);
    }
    const message = `${e.message}; the search runs on with the spec it started with`;
    set({ type: CONDITIONS.valid, status: 'False', reason: 'InvalidSpec', message });
    return outcome({ ...status, conditions }, { requeueAfterMs: RESYNC_MS }, warning);
  }
  if (refusedBefore(nas)) {
    if (!refusedAndChanged(nas)) return { objects: [], events: [] };
    Object.assign(status, { phase: 'Pending', message: undefined });
  }
  set({ type: CONDITIONS.valid, status: 'True', reason: 'Validated', message: 'the spec passed nasmesh validate' });

  const id = searchId(nas);
  const ended = ENDED_PHASES.includes(status.phase);
  const search = ended ? undefined : o.search;
  const weightSharing = spec.spec.evaluation.mode === 'weight-sharing';
  // The mesh Secret's copy first: the workers mount it.
  const workers = (running: boolean): KubernetesObject[] => [
    ...(config.workerSecret && o.meshSecret ? [desiredWorkerSecret(nas, o.meshSecret)] : []),
    desiredEvaluators(nas, spec, config, running),
    ...(weightSharing ? desiredSupernetTrainer(nas, spec, config, running) : []),
  ];
  if (ended) return outcome({ ...status, conditions }, { objects: workers(false) });

  if (!search) {
    const r = o.registration;
    if (r?.outcome === 'refused') {
      const message = `the controller refused the search: ${r.message}`;
      set({ type: CONDITIONS.valid, status: 'False', reason: r.reason, message });
      // Its workers, made for a search that now will not run, go back to zero; not tried again until the spec changes.
      const failed: SearchStatus = { ...status, phase: 'Failed', observedGeneration: generation, message, conditions };
      return outcome(failed, { objects: workers(false) }, { type: 'Warning', reason: r.reason, message });
    }
    if (r?.outcome === 'unavailable') {
      const message = `registering with the controller failed, retrying: ${r.message}`;
      set({ type: CONDITIONS.registered, status: 'False', reason: 'ControllerUnavailable', message });
      return outcome({ ...status, conditions }, { objects: workers(true), retry: message });
    }
    // Workers first: a search registered before its evaluators exist only queues jobs.
    const trainer = weightSharing ? supernetTrainerAddress(nas, config) : undefined;
    return { objects: workers(true), register: { document: documentFromSpec(spec), ...(trainer ? { trainer } : {}) }, events: [] };
  }

  set({ type: CONDITIONS.registered, status: 'True', reason: 'Registered', message: `the controller runs search ${id}` });
  const changed = specChanges(search, spec);
  if (changed.length === 0)
    set({ type: CONDITIONS.specApplied, status: 'True', reason: 'Applied', message: 'the search runs with this spec' });
  else {
    const fields = changed.map((k) => `spec.${k}`).join(', ');
    set({
      type: CONDITIONS.specApplied,
      status: 'False',
      reason: 'SpecImmutable',
      message: `${fields} changed after the search started and cannot apply to it (only spec.workers can); it runs on with the spec it started with. Create a new NASSearch for a new search.`,
    });
  }
  const pending = o.pods.filter((p) => p.status?.phase === 'Pending');
  const stuck = unschedulable(pending);
  if (stuck) set({ type: CONDITIONS.workersScheduled, status: 'False', ...stuck });
  else set({ type: CONDITIONS.workersScheduled, status: 'True', reason: 'Scheduled', message: 'every worker pod has a node' });

  const next: SearchStatus = {
    ...status,
    searchId: id,
    observedGeneration: generation,
    ...progressOf(search, o.front ?? []),
    startTime: status.startTime ?? o.now.toISOString(),
    conditions,
  };
  const running = !isEnded(search.phase);
  const end = (final: SearchStatus, event: SearchEvent, objects = workers(false)): Decision =>
    outcome({ ...final, completionTime: o.now.toISOString() }, { objects, watch: 'forget' }, event);
  switch (search.phase) {
    case SearchPhase.SUCCEEDED:
      return finalStage();
    case SearchPhase.FAILED:
      return end(
        { ...next, phase: 'Failed', message: search.message },
        {
          type: 'Warning',
          reason: 'Failed',
          message: `search failed: ${search.message}`,
        },
      );
    case SearchPhase.CANCELLED:
      return end(
        { ...next, phase: 'Cancelled', message: search.message },
        { type: 'Normal', reason: 'Cancelled', message: search.message },
      );
    default: {
      const workerReady = o.pods.some((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const phase = search.done > 0 || workerReady ? 'Running' : 'Pending';
      const event: SearchEvent = stuck
        ? { type: 'Warning', ...stuck }
        : phase === 'Running'
          ? { type: 'Normal', reason: 'Running', message: 'evaluators are taking its candidates' }
          : { type: 'Normal', reason: 'Pending', message: 'waiting for its evaluators to start' };
      return outcome({ ...next, phase }, { objects: workers(running), watch: 'follow', requeueAfterMs: RESYNC_MS }, event);
    }
  }

  /** The search succeeded on the controller: the final stage's Job when the spec has one, then done. */
  function finalStage(): Decision {
    const succeeded = { ...next, phase: 'Succeeded' as const, results: resultsLocation(id, spec) };
    if (!spec.spec.final) return end(succeeded, { type: 'Normal', reason: 'Succeeded', message: `${next.done} candidates evaluated` });
    const job = desiredFinalTraining(nas, spec, config);
    const name = job.metadata!.name!;
    const objects = [...workers(false), job];
    const current = o.jobs.find((j) => j.metadata?.name === name);
    const finished = current?.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finished?.type === 'Complete') {
      set({ type: CONDITIONS.finalTraining, status: 'True', reason: 'Completed', message: `job ${name} stored the model and summary` });
      return end(
        { ...succeeded, conditions },
        { type: 'Normal', reason: 'Succeeded', message: 'search, final training and export done' },
        objects,
      );
    }
    if (finished?.type === 'Failed') {
      const message = `final training failed: ${finished.message ?? finished.reason ?? 'job failed'} (logs of job ${name})`;
      set({ type: CONDITIONS.finalTraining, status: 'False', reason: 'JobFailed', message });
      return end({ ...next, conditions, phase: 'Failed', message }, { type: 'Warning', reason: 'FinalTrainingFailed', message }, objects);
    }
    set({ type: CONDITIONS.finalTraining, status: 'False', reason: 'Running', message: `job ${name} retrains the best and exports it` });
    return outcome(
      { ...next, conditions, phase: 'Running' },
      { objects, watch: 'follow', requeueAfterMs: RESYNC_MS },
      { type: 'Normal', reason: 'FinalTraining', message: `search done; job ${name} runs the final stage` },
    );
  }
}

/** The fields of the spec that differ from the one the search runs. Only spec.workers may change once it runs (its
 * evaluators are Deployments, so a new size or placement rolls out); every other field defines the search. */
function specChanges(search: Search, spec: SearchSpec): string[] {
  const running = specFromDocument(search.document).spec as Record<string, unknown>;
  const written = spec.spec as Record<string, unknown>;
  return Object.keys({ ...running, ...written }).filter((k) => k !== 'workers' && stableJson(running[k]) !== stableJson(written[k]));
}

function conditionStates(status: SearchStatus | undefined): string {
  return stableJson((status?.conditions ?? []).map((c) => [c.type, c.status, c.reason]));
}
