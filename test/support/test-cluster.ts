import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { type ConnectionOptions, type TlsOptions, usernamePasswordAuthenticator } from 'nats';
import { stringify } from 'yaml';
import { Controller } from '../../services/common/grpc/controller-client.js';
import { NASSEARCH, type NASSearch } from '../../services/operator/types.js';
import { ClientSecurity } from '../../services/common/security/client-security.js';
import { type ControllerAccess, controllerEnv, installNasmesh } from '../../tools/local-cluster/install-nasmesh.js';
import { LocalCluster } from '../../tools/local-cluster/local-cluster.js';

/**
 * A cluster test suite's Kubernetes, as controller-runtime's envtest gives one: a real control plane with fake
 * GPU and CPU nodes (tools/local-cluster), started once per suite, with nasmesh installed as `make cluster-up`
 * installs it; each test works in a namespace of its own. The binaries come from `make cluster-tools` (cached in
 * $NASMESH_CLUSTER_TOOLS or ~/.cache/nasmesh/cluster-tools); without them the suite fails saying so.
 */
export class TestCluster {
  private namespaces = 0;
  private readonly clients: Controller[] = [];

  private constructor(
    readonly cluster: LocalCluster,
    readonly kc: KubeConfig,
    /** The controller's ClusterIP:port (reachable from this process through the service proxy) and credentials. */
    readonly access: ControllerAccess,
  ) {}

  get controllerAddress(): string {
    return this.access.address;
  }

  /** The environment `nasmesh status|results|...` reaches the controller with (TLS, the administrators' token). */
  get cliEnv(): Record<string, string> {
    return controllerEnv(this.access);
  }

  static async start(): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'nasmesh-test-cluster-'));
    const cluster = await LocalCluster.start({ dir, firstOctet: 20 });
    // Its processes are detached (they outlive `make cluster-up`); a test process that ends without `stop` ends them.
    process.once('exit', () => cluster.killNow());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
    try {
      const controller = await installNasmesh(cluster);
      return new TestCluster(cluster, cluster.kubeConfig(), controller);
    } catch (e) {
      await cluster.stop();
      throw e;
    }
  }

  get core(): CoreV1Api {
    return this.kc.makeApiClient(CoreV1Api);
  }

  /** A gRPC client of the controller, as an administrator, closed with the suite. */
  controller(): Controller {
    const { caFile, tokenFile, serverName } = this.access;
    const c = new Controller(this.controllerAddress, ClientSecurity.from({ tlsCa: caFile, tokenFile, serverName }));
    this.clients.push(c);
    return c;
  }

  kubectl(...args: string[]): Promise<string> {
    return this.cluster.kubectl(args);
  }

  /** `kubectl apply -f -` of `objects`; rejects with the API server's answer. */
  apply(...objects: object[]): Promise<string> {
    return this.cluster.kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
  }

  /** A fresh namespace for one test. */
  async namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${++this.namespaces}`;
    await this.core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  async nasSearch(namespace: string, name: string): Promise<NASSearch> {
    const custom = this.kc.makeApiClient(CustomObjectsApi);
    return (await custom.getNamespacedCustomObject({
      group: NASSEARCH.group,
      version: NASSEARCH.version,
      plural: NASSEARCH.plural,
      namespace,
      name,
    })) as NASSearch;
  }

  /** Pods of a NASSearch (its `nasmesh.io/search` label), optionally of one component. */
  searchPods(namespace: string, search: string, component?: string): Promise<V1Pod[]> {
    return this.searchPodsOf(namespace, `nasmesh.io/search=${search}${component ? `,nasmesh.io/component=${component}` : ''}`);
  }

  /** Pods of `namespace` that match `labelSelector` and are not being deleted. */
  async searchPodsOf(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  /** Polls `check` until it returns a value; fails with `what` and the last value seen after `timeoutMs`. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await sleep(500);
    }
  }

  /** Waits for the NASSearch's status.phase, failing early when it ends in another. */
  async waitForPhase(namespace: string, name: string, phase: string, timeoutMs = 300_000): Promise<NASSearch> {
    return this.waitFor(
      `NASSearch ${namespace}/${name} ${phase}`,
      async () => {
        const nas = await this.nasSearch(namespace, name);
        const now = nas.status?.phase;
        if (now !== phase && ['Succeeded', 'Failed', 'Cancelled'].includes(now ?? '')) {
          throw new Error(`it ended ${now}: ${nas.status?.message ?? ''} ${JSON.stringify(nas.status?.conditions)}`);
        }
        return now === phase ? nas : undefined;
      },
      timeoutMs,
    );
  }

  /**
   * How this process reaches NATS as the mesh does: its ClusterIP, TLS with the mesh's certificate (verified as the
   * Service's name, since a ClusterIP is on no certificate) and the nasmesh user.
   */
  async nats(): Promise<{ url: string; security: Pick<ConnectionOptions, 'tls' | 'authenticator'> }> {
    const dir = join(this.cluster.dir, 'mesh');
    mkdirSync(dir, { recursive: true });
    const secret = await this.core.readNamespacedSecret({ name: 'nasmesh-mesh', namespace: 'nasmesh-system' });
    for (const key of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(join(dir, key), Buffer.from(secret.data![key]!, 'base64'));
    const ip = (await this.core.readNamespacedService({ name: 'nasmesh-nats', namespace: 'nasmesh-system' })).spec!.clusterIP;
    // nats.js hands its tls options to Node's tls.connect, where servername picks the name to verify.
    const tls: TlsOptions & { servername: string } = {
      caFile: join(dir, 'ca.crt'),
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
      servername: 'nasmesh-nats.nasmesh-system.svc',
    };
    return {
      url: `nats://${ip}:4222`,
      security: {
        tls,
        authenticator: usernamePasswordAuthenticator('nasmesh', Buffer.from(secret.data!['nats-password']!, 'base64').toString()),
      },
    };
  }

  /** The last lines a pod's container printed (the pod runner keeps its log). */
  podLog(pod: V1Pod): string {
    return this.cluster.podLog(pod.metadata!.namespace!, pod.metadata!.name!, pod.spec!.containers[0]!.name);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.cluster.stop();
    if (!process.env.NASMESH_KEEP_TEST_CLUSTER) rmSync(this.cluster.dir, { recursive: true, force: true });
  }
}
