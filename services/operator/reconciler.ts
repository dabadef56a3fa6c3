import { createHash } from 'node:crypto';
import { type ServiceError, status as grpcStatus } from '@grpc/grpc-js';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import type { SearchCondition, SearchStatus } from '../../src/spec/search-status.js';
import { ValidationError } from '../../src/util/errors.js';
import { parseWith } from '../../src/util/schema.js';
import type { Controller } from '../cli/controller-client.js';
import type { Informer } from '../common/kube/informer.js';
import { documentFromSpec, specFromDocument } from '../common/messages/search-document.js';
import { SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { Search } from '../gen/nasmesh/v1/controller.js';
import { desiredEvaluators } from './desired/evaluators.js';
import { desiredFinalTraining } from './desired/final-training.js';
import { desiredSupernetTrainer, supernetTrainerAddress } from './desired/supernet-trainer.js';
import { desiredWorkerSecret } from './desired/worker-secret.js';
import { holdsDesired } from './drift.js';
import type { EventRecorder, EventType } from './event-recorder.js';
import { searchId } from './names.js';
import { resultsLocation } from './results-location.js';
import type { SearchWatches } from './search-watches.js';
import { CONDITIONS, isEnded, progressOf, unschedulable, withCondition } from './status.js';
import { CANCEL_FINALIZER, NASSEARCH, type NASSearch, type OperatorConfig, SEARCH_LABEL } from './types.js';
import type { ReconcileResult } from './reconcile-queue.js';

/** A search in progress is looked at this often even when nothing tells the operator it changed. */
export const RESYNC_MS = 15_000;
/** How long a read of the mesh Secret serves before it is read again. */
const MESH_SECRET_TTL_MS = 30_000;

/** Sets a condition of the status being built; returns the conditions so far. */
type SetCondition = (c: Omit<SearchCondition, 'lastTransitionTime' | 'observedGeneration'>) => SearchCondition[];

/** Who applies the operator's objects (server-side apply's field manager). */
const FIELD_MANAGER = 'nasmesh-operator';
/** Hash of what the operator last applied to an object: equal means nothing to do. */
const DESIRED_ANNOTATION = 'nasmesh.io/desired-hash';

export interface ReconcilerCaches {
  readonly searches: Informer<NASSearch>;
  readonly deployments: Informer<V1Deployment>;
  readonly services: Informer<V1Service>;
  readonly jobs: Informer<V1Job>;
  readonly pods: Informer<V1Pod>;
}

export interface ReconcilerDeps {
  readonly kc: KubeConfig;
  readonly caches: ReconcilerCaches;
  readonly controller: Controller;
  readonly watches: SearchWatches;
  readonly events: EventRecorder;
  readonly config: OperatorConfig;
  readonly now?: () => Date;
}

/**
 * Brings a NASSearch and the world in line, idempotently: whatever state it finds (a restart, a replica taking
 * over, a child deleted by hand) it ends up with the same children, the search registered once with the controller,
 * and the status of what is. The desired children come from pure functions (desired/); this decides which, in
 * which order, and what the status says.
 */
export class Reconciler {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly appliedSecrets = new Map<string, string>();
  private meshSecretRead?: { data: Record<string, string>; atMs: number };
  private readonly now: () => Date;

  constructor(private readonly d: ReconcilerDeps) {
    this.objects = KubernetesObjectApi.makeApiClient(d.kc);
    this.custom = d.kc.makeApiClient(CustomObjectsApi);
    this.core = d.kc.makeApiClient(CoreV1Api);
    this.now = d.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const nas = this.d.caches.searches.get(name, namespace);
    if (!nas) return {};
    if (nas.metadata.deletionTimestamp) return this.finalize(nas);
    if (!nas.metadata.finalizers?.includes(CANCEL_FINALIZER)) {
      // The update it makes brings the NASSearch back to the queue.
      await this.setFinalizers(nas, [...(nas.metadata.finalizers ?? []), CANCEL_FINALIZER]);
      return {};
    }
    const status: SearchStatus = structuredClone(nas.status ?? { phase: 'Pending' });
    let conditions = status.conditions ?? [];
    const set: SetCondition = (c) =>
      (conditions = withCondition(conditions, { ...c, observedGeneration: nas.metadata.generation ?? 0 }, this.now()));

    let spec: SearchSpec;
    try {
      spec = this.parse(nas);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      if (status.searchId === undefined) {
        // Never started: nothing runs that the fix could still apply to.
        set({ type: CONDITIONS.valid, status: 'False', reason: 'InvalidSpec', message: e.message });
        await this.writeStatus(nas, { ...status, phase: 'Failed', message: e.message, conditions }, 'Warning', 'InvalidSpec', e.message);
        return {};
      }
      set({
        type: CONDITIONS.valid,
        status: 'False',
        reason: 'InvalidSpec',
        message: `${e.message}; the search runs on with the spec it started with`,
      });
      await this.writeStatus(nas, { ...status, conditions }, 'Warning', 'InvalidSpec', e.message);
      return { requeueAfterMs: RESYNC_MS };
    }
    const id = searchId(nas);
    const generation = nas.metadata.generation ?? 0;
    // A search the controller refused never started: a new generation of its spec is tried afresh, the same one never.
    const refusedBefore = status.searchId === undefined && status.phase === 'Failed';
    if (refusedBefore && (status.observedGeneration ?? 0) >= generation) return {};
    if (refusedBefore) Object.assign(status, { phase: 'Pending', message: undefined });
    set({ type: CONDITIONS.valid, status: 'True', reason: 'Validated', message: 'the spec passed nasmesh validate' });
    const ended = ['Succeeded', 'Failed', 'Cancelled'].includes(status.phase);

    let search = ended ? undefined : await this.controllerSearch(id);
    const running = !ended && !(search && isEnded(search.phase));
    // Workers first: a search registered before its evaluators exist only queues jobs.
    if (this.d.config.workerSecret) await this.apply(nas, desiredWorkerSecret(nas, await this.meshSecret()));
    await this.apply(nas, desiredEvaluators(nas, spec, this.d.config, running));
    const weightSharing = spec.spec.evaluation.mode === 'weight-sharing';
    if (weightSharing) for (const o of desiredSupernetTrainer(nas, spec, this.d.config, running)) await this.apply(nas, o);
    if (ended) {
      await this.writeStatus(nas, { ...status, conditions });
      return {};
    }

    if (!search) {
      try {
        search = await this.register(nas, spec, id, weightSharing);
      } catch (e) {
        const code = (e as ServiceError).code;
        const message = (e as ServiceError).details || (e as Error).message;
        if (code === grpcStatus.INVALID_ARGUMENT || code === grpcStatus.FAILED_PRECONDITION) {
          // Permanent for this spec: said where kubectl shows it, and not tried again until the spec changes.
          const reason = code === grpcStatus.INVALID_ARGUMENT ? 'InvalidSpec' : 'Refused';
          set({ type: CONDITIONS.valid, status: 'False', reason, message: `the controller refused the search: ${message}` });
          // Its workers, made for a search that now will not run, go back to zero.
          await this.apply(nas, desiredEvaluators(nas, spec, this.d.config, false));
          if (weightSharing) for (const o of desiredSupernetTrainer(nas, spec, this.d.config, false)) await this.apply(nas, o);
          const failed = {
            ...status,
            phase: 'Failed' as const,
            observedGeneration: generation,
            message: `the controller refused the search: ${message}`,
            conditions,
          };
          await this.writeStatus(nas, failed, 'Warning', reason, `the controller refused the search: ${message}`);
          return {};
        }
        // Transient (the controller unreachable, a deadline): the reconcile queue backs off; the status says why it waits.
        set({
          type: CONDITIONS.registered,
          status: 'False',
          reason: 'ControllerUnavailable',
          message: `registering with the controller failed, retrying: ${message}`,
        });
        await this.writeStatus(nas, { ...status, conditions });
        throw e;
      }
      await this.d.events.record(nas, 'Normal', 'Registered', `search ${id} started on the controller`);
    }
    set({ type: CONDITIONS.registered, status: 'True', reason: 'Registered', message: `the controller runs search ${id}` });
    this.d.watches.follow(id, key);
    conditions = this.specApplied(search, spec, set);

    const pods = this.d.caches.pods
      .list(namespace)
      .filter((p) => p.metadata?.labels?.[SEARCH_LABEL] === name && !p.metadata?.deletionTimestamp);
    const stuck = unschedulable(pods.filter((p) => p.status?.phase === 'Pending'));
    if (stuck) set({ type: CONDITIONS.workersScheduled, status: 'False', ...stuck });
    else set({ type: CONDITIONS.workersScheduled, status: 'True', reason: 'Scheduled', message: 'every worker pod has a node' });

    const front = search.done > 0 ? (await this.d.controller.getParetoFront(id)).candidates : [];
    const next: SearchStatus = {
      ...status,
      searchId: id,
      observedGeneration: nas.metadata.generation ?? 0,
      ...progressOf(search, front),
      startTime: status.startTime ?? this.now().toISOString(),
      conditions,
    };
    const workerReady = pods.some((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    switch (search.phase) {
      case SearchPhase.SUCCEEDED:
        return this.finalStage(nas, spec, id, next, set);
      case SearchPhase.FAILED:
        return this.end(
          nas,
          { ...next, phase: 'Failed', message: search.message },
          'Warning',
          'Failed',
          `search failed: ${search.message}`,
        );
      case SearchPhase.CANCELLED:
        return this.end(nas, { ...next, phase: 'Cancelled', message: search.message }, 'Normal', 'Cancelled', search.message);
      default: {
        const phase = search.done > 0 || workerReady ? 'Running' : 'Pending';
        const [type, reason, message]: [EventType, string, string] = stuck
          ? ['Warning', stuck.reason, stuck.message]
          : phase === 'Running'
            ? ['Normal', 'Running', 'evaluators are taking its candidates']
            : ['Normal', 'Pending', 'waiting for its evaluators to start'];
        await this.writeStatus(nas, { ...next, phase }, type, reason, message);
        return { requeueAfterMs: RESYNC_MS };
      }
    }
  }

  /** The search succeeded on the controller: the final stage's Job when the spec has one, then done. */
  private async finalStage(nas: NASSearch, spec: SearchSpec, id: string, next: SearchStatus, set: SetCondition): Promise<ReconcileResult> {
    if (!spec.spec.final) {
      return this.end(
        nas,
        { ...next, phase: 'Succeeded', results: resultsLocation(id, spec) },
        'Normal',
        'Succeeded',
        `${next.done} candidates evaluated`,
      );
    }
    const job = desiredFinalTraining(nas, spec, this.d.config);
    await this.apply(nas, job);
    const current = this.d.caches.jobs.get(job.metadata!.name!, nas.metadata.namespace);
    const finished = current?.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finished?.type === 'Complete') {
      const conditions = set({
        type: CONDITIONS.finalTraining,
        status: 'True',
        reason: 'Completed',
        message: `job ${job.metadata!.name} stored the model and summary`,
      });
      return this.end(
        nas,
        { ...next, conditions, phase: 'Succeeded', results: resultsLocation(id, spec) },
        'Normal',
        'Succeeded',
        'search, final training and export done',
      );
    }
    if (finished?.type === 'Failed') {
      const message = `final training failed: ${finished.message ?? finished.reason ?? 'job failed'} (logs of job ${job.metadata!.name})`;
      const conditions = set({ type: CONDITIONS.finalTraining, status: 'False', reason: 'JobFailed', message });
      return this.end(nas, { ...next, conditions, phase: 'Failed', message }, 'Warning', 'FinalTrainingFailed', message);
    }
    const conditions = set({
      type: CONDITIONS.finalTraining,
      status: 'False',
      reason: 'Running',
      message: `job ${job.metadata!.name} retrains the best and exports it`,
    });
    await this.writeStatus(
      nas,
      { ...next, conditions, phase: 'Running' },
      'Normal',
      'FinalTraining',
      `search done; job ${job.metadata!.name} runs the final stage`,
    );
    return { requeueAfterMs: RESYNC_MS };
  }

  /** A final phase, with the completion time (the workers were scaled to zero already: the search has ended). */
  private async end(nas: NASSearch, status: SearchStatus, type: EventType, reason: string, message: string): Promise<ReconcileResult> {
    await this.writeStatus(nas, { ...status, completionTime: this.now().toISOString() }, type, reason, message);
    this.d.watches.forget(status.searchId!);
    return {};
  }

  /** On `kubectl delete`: the controller cancels the search, then the NASSearch may go (its children are GC'd). */
  private async finalize(nas: NASSearch): Promise<ReconcileResult> {
    if (!nas.metadata.finalizers?.includes(CANCEL_FINALIZER)) return {};
    const id = searchId(nas);
    this.d.watches.forget(id);
    try {
      const search = await this.d.controller.cancelSearch(id);
      if (search.phase === SearchPhase.CANCELLED)
        await this.d.events.record(nas, 'Normal', 'Cancelled', `search ${id} cancelled: the NASSearch was deleted`);
    } catch (e) {
      if ((e as ServiceError).code !== grpcStatus.NOT_FOUND) throw e;
    }
    await this.setFinalizers(
      nas,
      nas.metadata.finalizers.filter((f) => f !== CANCEL_FINALIZER),
    );
    return {};
  }

  /** The NASSearch as the search document `nasmesh validate` checks; errors name the field (`spec.budget...`). */
  private parse(nas: NASSearch): SearchSpec {
    const { namespace, labels } = nas.metadata;
    const metadata = { name: searchId(nas), namespace, ...(labels ? { labels } : {}) };
    return parseWith(searchSpecSchema, { apiVersion: NASSEARCH.apiVersion, kind: NASSEARCH.kind, metadata, spec: nas.spec }, '');
  }

  private async controllerSearch(id: string): Promise<Search | undefined> {
    try {
      return await this.d.controller.getSearch(id);
    } catch (e) {
      if ((e as ServiceError).code === grpcStatus.NOT_FOUND) return undefined;
      throw e;
    }
  }

  /** CreateSearch; ALREADY_EXISTS means an earlier reconcile did it (its answer was lost), so the search is ours. */
  private async register(nas: NASSearch, spec: SearchSpec, id: string, weightSharing: boolean): Promise<Search> {
    const trainer = weightSharing ? supernetTrainerAddress(nas, this.d.config) : undefined;
    try {
      return await this.d.controller.createSearch(documentFromSpec(spec), trainer);
    } catch (e) {
      if ((e as ServiceError).code !== grpcStatus.ALREADY_EXISTS) throw e;
      return this.d.controller.getSearch(id);
    }
  }

  /**
   * Only spec.workers may change once a search runs (its evaluators are Deployments, so a new size or node
   * placement rolls out); every other field defines the search, so a change there is refused with a condition.
   */
  private specApplied(search: Search, spec: SearchSpec, set: SetCondition): SearchCondition[] {
    const running = specFromDocument(search.document).spec;
    const changed = Object.keys({ ...running, ...spec.spec }).filter(
      (k) =>
        k !== 'workers' && stableJson((running as Record<string, unknown>)[k]) !== stableJson((spec.spec as Record<string, unknown>)[k]),
    );
    if (changed.length === 0)
      return set({ type: CONDITIONS.specApplied, status: 'True', reason: 'Applied', message: 'the search runs with this spec' });
    const fields = changed.map((k) => `spec.${k}`).join(', ');
    return set({
      type: CONDITIONS.specApplied,
      status: 'False',
      reason: 'SpecImmutable',
      message: `${fields} changed after the search started and cannot apply to it (only spec.workers can); it runs on with the spec it started with. Create a new NASSearch for a new search.`,
    });
  }

  /**
   * Server-side apply of an owned object, skipped when it carries the hash of this very desired state: an operator
   * restarted or taking over re-applies nothing and creates nothing twice (the names are fixed).
   */
  private async apply(nas: NASSearch, desired: KubernetesObject): Promise<void> {
    const hash = createHash('sha256').update(stableJson(desired)).digest('hex').slice(0, 16);
    const key = `${desired.kind}/${nas.metadata.namespace}/${desired.metadata!.name}`;
    // Secrets are not cached (the operator may not list them): what it last applied is remembered instead.
    const cache = { Deployment: this.d.caches.deployments, Service: this.d.caches.services, Job: this.d.caches.jobs }[
      desired.kind as 'Deployment' | 'Service' | 'Job'
    ];
    const current = cache?.get(desired.metadata!.name!, nas.metadata.namespace) as KubernetesObject | undefined;
    const applied = cache ? current?.metadata?.annotations?.[DESIRED_ANNOTATION] : this.appliedSecrets.get(key);
    // Unchanged since the last apply, and nobody changed it by hand since (kubectl scale keeps the annotation). A Job's
    // template cannot change once created, so a Job is not compared.
    const drifted =
      cache !== undefined &&
      desired.kind !== 'Job' &&
      !holdsDesired((current as { spec?: unknown } | undefined)?.spec, (desired as { spec?: unknown }).spec);
    if (applied === hash && !drifted) return;
    const body = {
      ...desired,
      metadata: { ...desired.metadata, annotations: { ...desired.metadata!.annotations, [DESIRED_ANNOTATION]: hash } },
    };
    await this.objects.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    if (!cache) this.appliedSecrets.set(key, hash);
  }

  /**
   * The mesh Secret's data (base64), read at most every MESH_SECRET_TTL_MS: one read serves every search's reconcile,
   * and a rotated certificate still reaches the workers' copies within that time.
   */
  private async meshSecret(): Promise<Record<string, string>> {
    const nowMs = this.now().getTime();
    if (this.meshSecretRead && nowMs - this.meshSecretRead.atMs < MESH_SECRET_TTL_MS) return this.meshSecretRead.data;
    const { name, namespace } = this.d.config.workerSecret!;
    const data = (await this.core.readNamespacedSecret({ name, namespace })).data ?? {};
    this.meshSecretRead = { data, atMs: nowMs };
    // The operator may not read the per-search copies: each is applied once more after every read, which also brings
    // back one deleted by hand.
    this.appliedSecrets.clear();
    return data;
  }

  private async setFinalizers(nas: NASSearch, finalizers: string[]): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: NASSEARCH.group,
        version: NASSEARCH.version,
        namespace: nas.metadata.namespace!,
        plural: NASSEARCH.plural,
        name: nas.metadata.name!,
        // The resourceVersion makes it a compare-and-swap: a stale view is refused (409) and retried.
        body: { metadata: { finalizers, resourceVersion: nas.metadata.resourceVersion } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /**
   * Writes the status when it changed, with the resourceVersion read (a concurrent writer's change is not lost: the
   * write is refused and the reconcile runs again on fresh state), and records the event that goes with it.
   */
  private async writeStatus(nas: NASSearch, status: SearchStatus, type?: EventType, reason?: string, message?: string): Promise<void> {
    if (stableJson(status) === stableJson(nas.status ?? {})) return;
    await this.custom.replaceNamespacedCustomObjectStatus({
      group: NASSEARCH.group,
      version: NASSEARCH.version,
      namespace: nas.metadata.namespace!,
      plural: NASSEARCH.plural,
      name: nas.metadata.name!,
      body: { ...nas, status },
    });
    const changedPhase = status.phase !== nas.status?.phase;
    if (type && reason && message && (changedPhase || type === 'Warning')) await this.d.events.record(nas, type, reason, message);
  }
}

/** JSON with object keys sorted: equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
