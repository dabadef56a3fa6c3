import { type ServiceError, status as grpcStatus } from '@grpc/grpc-js';
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { SearchStatus } from '../../src/spec/search-status.js';
import type { Controller } from '../common/grpc/controller-client.js';
import type { Informer } from '../common/kube/informer.js';
import { SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { Search } from '../gen/nasmesh/v1/controller.js';
import { controllerAsked, type Decision, decide, type Observed } from './decide.js';
import { DESIRED_ANNOTATION, desiredHash, mustApply } from './drift.js';
import type { EventRecorder } from './event-recorder.js';
import { searchId } from './names.js';
import type { SearchWatches } from './search-watches.js';
import { CANCEL_FINALIZER, NASSEARCH, type NASSearch, type OperatorConfig, SEARCH_LABEL } from './types.js';
import type { ReconcileResult } from './reconcile-queue.js';

/** How long the hash of an applied per-search Secret stands for it: after that it is applied again, which brings back
 * a copy deleted by hand (the operator may not read or watch Secrets beyond the mesh Secret: RBAC cannot narrow a
 * list or watch of Secrets by label, so watching the copies would mean reading every Secret of the cluster). */
const SECRET_REAPPLY_MS = 30_000;

/** Who applies the operator's objects (server-side apply's field manager). */
const FIELD_MANAGER = 'nasmesh-operator';

export interface ReconcilerCaches {
  readonly searches: Informer<NASSearch>;
  readonly deployments: Informer<V1Deployment>;
  readonly services: Informer<V1Service>;
  readonly jobs: Informer<V1Job>;
  readonly pods: Informer<V1Pod>;
  /** The mesh Secret alone (config.workerSecret), where the workers get a copy of it. */
  readonly meshSecret?: Informer<V1Secret>;
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
 * Reads what is (observe), asks decide() what to do, and does it (act): the decision is pure and unit-tested
 * (test/operator/decide.test.ts); this layer only reads the caches and the controller and writes what was decided.
 */
export class Reconciler {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly appliedSecrets = new Map<string, { hash: string; atMs: number }>();
  /** When each search's status was last written here (decide() spaces progress-only writes). */
  private readonly statusWrittenAt = new Map<string, Date>();
  private readonly now: () => Date;

  constructor(private readonly d: ReconcilerDeps) {
    this.objects = KubernetesObjectApi.makeApiClient(d.kc);
    this.custom = d.kc.makeApiClient(CustomObjectsApi);
    this.now = d.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const nas = this.d.caches.searches.get(name, namespace);
    if (!nas) {
      this.statusWrittenAt.delete(key);
      return {};
    }
    if (nas.metadata.deletionTimestamp) return this.finalize(nas);
    if (!nas.metadata.finalizers?.includes(CANCEL_FINALIZER)) {
      // The update it makes brings the NASSearch back to the queue.
      await this.setFinalizers(nas, [...(nas.metadata.finalizers ?? []), CANCEL_FINALIZER]);
      return {};
    }
    const observed = await this.observe(nas, key);
    let decision = decide(observed);
    if (decision.register) {
      for (const o of decision.objects) await this.apply(nas, o);
      decision = decide({ ...observed, ...(await this.register(searchId(nas), decision.register)) });
    }
    return this.act(nas, key, decision);
  }

  private async observe(nas: NASSearch, key: string): Promise<Observed> {
    const { namespace, name } = nas.metadata as { namespace: string; name: string };
    const id = searchId(nas);
    const search = controllerAsked(nas) ? await this.controllerSearch(id) : undefined;
    const front = search && search.done > 0 ? (await this.d.controller.getParetoFront(id)).candidates : [];
    const ours = (o: KubernetesObject) => o.metadata?.labels?.[SEARCH_LABEL] === name && !o.metadata?.deletionTimestamp;
    return {
      nas,
      config: this.d.config,
      now: this.now(),
      ...(search ? { search, front } : {}),
      pods: this.d.caches.pods.list(namespace).filter(ours),
      jobs: this.d.caches.jobs.list(namespace).filter(ours),
      ...(this.d.config.workerSecret ? { meshSecret: this.meshSecret() } : {}),
      ...(this.statusWrittenAt.has(key) ? { statusWrittenAt: this.statusWrittenAt.get(key)! } : {}),
    };
  }

  private async act(nas: NASSearch, key: string, d: Decision): Promise<ReconcileResult> {
    for (const o of d.objects) await this.apply(nas, o);
    if (d.watch === 'follow') this.d.watches.follow(searchId(nas), key);
    if (d.status) {
      await this.writeStatus(nas, d.status);
      this.statusWrittenAt.set(key, this.now());
    }
    for (const e of d.events) await this.d.events.record(nas, e.type, e.reason, e.message);
    if (d.watch === 'forget') this.d.watches.forget(searchId(nas));
    if (d.retry) throw new Error(d.retry);
    return d.requeueAfterMs ? { requeueAfterMs: d.requeueAfterMs } : {};
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

  private async controllerSearch(id: string): Promise<Search | undefined> {
    try {
      return await this.d.controller.getSearch(id);
    } catch (e) {
      if ((e as ServiceError).code === grpcStatus.NOT_FOUND) return undefined;
      throw e;
    }
  }

  /**
   * CreateSearch, as what decide() is told. ALREADY_EXISTS means an earlier reconcile did it (its answer was lost), so
   * the search is ours.
   */
  private async register(id: string, r: NonNullable<Decision['register']>): Promise<Pick<Observed, 'search' | 'registration'>> {
    try {
      return { search: await this.d.controller.createSearch(r.document, r.trainer), registration: { outcome: 'created' } };
    } catch (e) {
      const code = (e as ServiceError).code;
      const message = (e as ServiceError).details || (e as Error).message;
      if (code === grpcStatus.ALREADY_EXISTS) return { search: await this.d.controller.getSearch(id) };
      if (code === grpcStatus.INVALID_ARGUMENT) return { registration: { outcome: 'refused', reason: 'InvalidSpec', message } };
      if (code === grpcStatus.FAILED_PRECONDITION) return { registration: { outcome: 'refused', reason: 'Refused', message } };
      return { registration: { outcome: 'unavailable', message } };
    }
  }

  /**
   * Server-side apply of an owned object, skipped when it carries the hash of this very desired state and nobody
   * changed it by hand: an operator restarted or taking over re-applies nothing and creates nothing twice (the names
   * are fixed).
   */
  private async apply(nas: NASSearch, desired: KubernetesObject): Promise<void> {
    const hash = desiredHash(desired);
    const { name } = desired.metadata as { name: string };
    const cache = { Deployment: this.d.caches.deployments, Service: this.d.caches.services, Job: this.d.caches.jobs }[
      desired.kind as 'Deployment' | 'Service' | 'Job'
    ] as Informer<KubernetesObject> | undefined;
    const key = `${desired.kind}/${nas.metadata.namespace}/${name}`;
    const remembered = this.appliedSecrets.get(key);
    const fresh = remembered && this.now().getTime() - remembered.atMs < SECRET_REAPPLY_MS ? remembered.hash : undefined;
    const seen = cache ? { live: cache.get(name, nas.metadata.namespace) } : { lastApplied: fresh };
    if (!mustApply(desired, hash, seen)) return;
    const body = {
      ...desired,
      metadata: { ...desired.metadata, annotations: { ...desired.metadata!.annotations, [DESIRED_ANNOTATION]: hash } },
    };
    await this.objects.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    if (!cache) this.appliedSecrets.set(key, { hash, atMs: this.now().getTime() });
  }

  /** The mesh Secret's data (base64), from its cache: a rotated certificate reaches the workers' copies at once. */
  private meshSecret(): Record<string, string> {
    const { name, namespace } = this.d.config.workerSecret!;
    const secret = this.d.caches.meshSecret?.get(name, namespace);
    if (!secret) throw new Error(`the mesh Secret ${namespace}/${name} does not exist (the chart creates it)`);
    return secret.data ?? {};
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
   * Writes the status with the resourceVersion read: a concurrent writer's change is not lost (the write is refused
   * and the reconcile runs again on fresh state).
   */
  private async writeStatus(nas: NASSearch, status: SearchStatus): Promise<void> {
    await this.custom.replaceNamespacedCustomObjectStatus({
      group: NASSEARCH.group,
      version: NASSEARCH.version,
      namespace: nas.metadata.namespace!,
      plural: NASSEARCH.plural,
      name: nas.metadata.name!,
      body: { ...nas, status },
    });
  }
}
