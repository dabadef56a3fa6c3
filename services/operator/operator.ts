import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { Controller } from '../common/grpc/controller-client.js';
import { type Informer, startInformer } from '../common/kube/informer.js';
import type { OperatorMetrics, SearchSnapshot } from '../common/metrics/operator-metrics.js';
import { GPU_RESOURCE } from './desired/worker-pod.js';
import { EventRecorder } from './event-recorder.js';
import { LeaderElector } from './leader-election.js';
import { searchKey } from './names.js';
import { Reconciler, type ReconcilerCaches } from './reconciler.js';
import { SearchWatches } from './search-watches.js';
import { COMPONENT_LABEL, NASSEARCH, type NASSearch, type OperatorConfig, SEARCH_LABEL } from './types.js';
import { type Clock, ReconcileQueue } from './reconcile-queue.js';

export interface OperatorOptions {
  readonly kc: KubeConfig;
  readonly config: OperatorConfig;
  readonly controller: Controller;
  readonly metrics: OperatorMetrics;
  /** Leader election among replicas (a Lease in `namespace`); without it this replica always acts. */
  readonly leaderElection?: { readonly namespace: string; readonly identity: string };
  /** Called when this replica loses the lease: it must stop at once (the process exits). */
  readonly onLostLease: () => void;
  readonly clock?: Clock;
  readonly log: (line: string) => void;
}

/**
 * The NASSearch operator: informers cache NASSearches and the objects it owns (by the `nasmesh.io/search` label);
 * while this replica leads, every change of either, every search event and a periodic resync put the NASSearch's
 * key on the reconcile queue, whose reconciles (Reconciler) run one per key at a time. Replicas that do not lead keep
 * warm caches and take over as soon as they win the lease.
 */
export class Operator {
  private readonly caches: ReconcilerCaches;
  private readonly queue: ReconcileQueue;
  private readonly watches: SearchWatches;
  private readonly elector?: LeaderElector;
  private leading = false;
  private synced = false;
  private depthTimer?: NodeJS.Timeout;

  constructor(private readonly o: OperatorOptions) {
    const { kc, log } = o;
    const core = kc.makeApiClient(CoreV1Api);
    const owned = { labelSelector: SEARCH_LABEL, onError: (e: unknown) => log(`watch failed, retrying: ${String(e)}`) };
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const batch = kc.makeApiClient(BatchV1Api);
    const { group, version, plural } = NASSEARCH;
    this.caches = {
      searches: startInformer<NASSearch>(
        kc,
        `/apis/${group}/${version}/${plural}`,
        () => custom.listClusterCustomObject({ group, version, plural }),
        { onError: owned.onError },
      ),
      deployments: startInformer<V1Deployment>(
        kc,
        '/apis/apps/v1/deployments',
        () => apps.listDeploymentForAllNamespaces({ labelSelector: SEARCH_LABEL }),
        owned,
      ),
      services: startInformer<V1Service>(
        kc,
        '/api/v1/services',
        () => core.listServiceForAllNamespaces({ labelSelector: SEARCH_LABEL }),
        owned,
      ),
      jobs: startInformer<V1Job>(kc, '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces({ labelSelector: SEARCH_LABEL }), owned),
      pods: startInformer<V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector: SEARCH_LABEL }), owned),
      ...(o.config.workerSecret ? { meshSecret: meshSecretInformer(kc, o.config.workerSecret, owned.onError) } : {}),
    };
    this.watches = new SearchWatches(o.controller, (key) => this.enqueue(key), log);
    const reconciler = new Reconciler({
      kc,
      caches: this.caches,
      controller: o.controller,
      watches: this.watches,
      events: new EventRecorder(kc, 'nasmesh-operator', log),
      config: o.config,
    });
    this.queue = new ReconcileQueue((key) => reconciler.reconcile(key), {
      ...(o.clock ? { clock: o.clock } : {}),
      onError: (key, e, retryInMs) => {
        // A conflict only means the cache was behind the API server: the retry reads the newer object.
        if ((e as { code?: number }).code !== 409) log(`reconcile ${key} failed (again in ${retryInMs} ms): ${describe(e)}`);
      },
      onDone: (_, outcome, seconds) => o.metrics.reconciled(outcome, seconds),
    });
    if (o.leaderElection) {
      this.elector = new LeaderElector(kc, {
        namespace: o.leaderElection.namespace,
        name: 'nasmesh-operator',
        identity: o.leaderElection.identity,
        onStartedLeading: () => this.lead(),
        onStoppedLeading: () => {
          this.leading = false;
          o.metrics.leading(false);
          o.onLostLease();
        },
        log,
        ...(o.clock ? { clock: o.clock } : {}),
      });
    }
  }

  /** Whether its caches are filled (readiness). */
  get ready(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    const c = this.caches;
    await Promise.all([c.searches.synced, c.deployments.synced, c.services.synced, c.jobs.synced, c.pods.synced, c.meshSecret?.synced]);
    this.synced = true;
    c.searches.onChange((nas) => this.enqueue(searchKey(nas.metadata.namespace!, nas.metadata.name!)));
    for (const informer of [c.deployments, c.services, c.jobs, c.pods] as Informer<KubernetesObject>[]) {
      informer.onChange((o) => {
        const owner = o.metadata?.labels?.[SEARCH_LABEL];
        if (owner) this.enqueue(searchKey(o.metadata!.namespace!, owner));
      });
    }
    // A rotated mesh Secret reaches every search's copy now, not at the next resync.
    c.meshSecret?.onChange(() => {
      for (const nas of c.searches.list()) this.enqueue(searchKey(nas.metadata.namespace!, nas.metadata.name!));
    });
    this.depthTimer = setInterval(() => {
      this.o.metrics.queueDepth(this.queue.depth);
      this.o.metrics.searchesNow(c.searches.list().map((nas) => searchSnapshot(nas, c.pods.list(nas.metadata.namespace))));
    }, 1_000).unref();
    if (this.elector) this.elector.start();
    else this.lead();
  }

  async stop(): Promise<void> {
    clearInterval(this.depthTimer);
    this.leading = false;
    this.watches.stop();
    await this.queue.stop();
    await this.elector?.stop();
    const c = this.caches;
    await Promise.all([c.searches.stop(), c.deployments.stop(), c.services.stop(), c.jobs.stop(), c.pods.stop(), c.meshSecret?.stop()]);
  }

  private lead(): void {
    this.leading = true;
    this.o.metrics.leading(true);
    for (const nas of this.caches.searches.list()) this.enqueue(searchKey(nas.metadata.namespace!, nas.metadata.name!));
  }

  private enqueue(key: string): void {
    if (this.leading) this.queue.add(key);
  }
}

/**
 * A cache of the mesh Secret alone: a list and watch narrowed to its name, which RBAC allows by resourceNames, so the
 * operator can read no other Secret.
 */
function meshSecretInformer(
  kc: KubeConfig,
  secret: { namespace: string; name: string },
  onError: (e: unknown) => void,
): Informer<V1Secret> {
  const { namespace, name } = secret;
  const fieldSelector = `metadata.name=${name}`;
  const core = kc.makeApiClient(CoreV1Api);
  return startInformer<V1Secret>(
    kc,
    `/api/v1/namespaces/${namespace}/secrets`,
    () => core.listNamespacedSecret({ namespace, fieldSelector }),
    {
      fieldSelector,
      onError,
    },
  );
}

/** A NASSearch and its worker pods, for the operator's gauges. */
function searchSnapshot(nas: NASSearch, pods: readonly V1Pod[]): SearchSnapshot {
  const own = pods.filter(
    (p) => p.metadata?.labels?.[SEARCH_LABEL] === nas.metadata.name && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
  );
  return {
    namespace: nas.metadata.namespace!,
    name: nas.metadata.name!,
    searchId: nas.status?.searchId ?? '',
    phase: nas.status?.phase ?? 'Pending',
    pods: own.map((p) => ({
      component: p.metadata?.labels?.[COMPONENT_LABEL] ?? '',
      phase: p.status?.phase ?? 'Pending',
      gpus: p.spec?.containers.reduce((sum, c) => sum + Number(c.resources?.limits?.[GPU_RESOURCE] ?? 0), 0) ?? 0,
      scheduled: p.spec?.nodeName !== undefined,
    })),
  };
}

/** An error in one line: the API server's own message for an ApiException, not client-node's dump of headers. */
function describe(e: unknown): string {
  const { code, body } = e as { code?: number; body?: unknown };
  if (typeof code === 'number' && typeof body === 'string') {
    try {
      return `HTTP ${code}: ${(JSON.parse(body) as { message?: string }).message ?? body.slice(0, 300)}`;
    } catch {
      return `HTTP ${code}: ${body.slice(0, 300)}`;
    }
  }
  return e instanceof Error ? e.message : String(e);
}
