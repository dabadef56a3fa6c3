import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { type ClusterBinaries, clusterBinaries } from './cluster-tools.js';
import { type ControlPlanePids, startControlPlane } from './control-plane.js';
import { type ClusterCredentials, createCredentials } from './credentials.js';
import { DEFAULT_NODES, type FakeNode, fakeNode, KWOK_NODE_ANNOTATION } from './fake-nodes.js';
import { clusterNetwork, type ClusterNetwork, releaseNetwork, reserveNetwork } from './network.js';
import { isRunning, startDaemon, stopProcessGroup, waitUntil } from './processes.js';
import { containerLogText } from './pod-runner/container-log.js';
import { imageExists, removeClusterContainers } from './pod-runner/pod-container.js';
import { IMAGE } from '../image/image.js';

/** The kubelet API's port, on the nodes' address (a cluster's own, so every cluster can use the usual port). */
const KUBELET_PORT = 10250;

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(REPO, 'node_modules/tsx/dist/loader.mjs');

/** What a running cluster's folder records about it (cluster.json), so `down` and tests can find it again. */
interface ClusterState {
  readonly server: string;
  readonly octet: number;
  /** Every process started, in start order; stopped in reverse. */
  readonly pids: ControlPlanePids;
  /** Whether the pod runner runs containers from their images (pod-container.ts) or as local processes. */
  readonly images: boolean;
}

export interface LocalClusterOptions {
  /** Everything of the cluster lives here: state, certificates, kubeconfigs, logs, pods' folders. */
  readonly dir: string;
  readonly nodes?: readonly FakeNode[];
  /** The first 127.<octet>.0.0/16 range to try (network.ts). */
  readonly firstOctet?: number;
  /**
   * Run pods' containers from their images with podman and runc (default: where nasmesh's image, `make image`, is
   * built), or as local processes of this checkout (`false`).
   */
  readonly images?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * A real Kubernetes control plane on this machine (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
 * built from Go modules), KWOK simulating GPU and CPU nodes, and the pod runner that runs the pods bound to them as
 * local processes. Every process is detached and recorded in `<dir>/cluster.json`, so the cluster outlives the
 * command that started it (`make cluster-up`) until `stop` (`make cluster-down`).
 */
export class LocalCluster {
  readonly kubeconfig: string;
  readonly network: ClusterNetwork;
  private stopped = false;

  private constructor(
    readonly dir: string,
    private readonly state: ClusterState,
  ) {
    this.kubeconfig = join(dir, 'kubeconfig');
    this.network = clusterNetwork(state.octet);
  }

  get server(): string {
    return this.state.server;
  }

  /** The folder of links to the cluster's commands (kubectl, nasmesh), for PATH. */
  get binDir(): string {
    return join(this.dir, 'bin');
  }

  static async start(o: LocalClusterOptions): Promise<LocalCluster> {
    const log = o.log ?? (() => {});
    const bin = clusterBinaries();
    if (isAlive(o.dir)) throw new Error(`a local cluster is already running in ${o.dir}; stop it first (make cluster-down)`);
    rmSync(o.dir, { recursive: true, force: true });
    mkdirSync(join(o.dir, 'logs'), { recursive: true });
    const network = reserveNetwork(o.dir, o.firstOctet ?? 10, isAlive);
    const pids: ControlPlanePids = {};
    const images = o.images ?? (await imageExists(IMAGE));
    log(images ? `pods run from their images (${IMAGE} for nasmesh's)` : 'pods run as local processes of this checkout');
    const record = (server = '') =>
      writeFileSync(
        join(o.dir, 'cluster.json'),
        JSON.stringify({ server, octet: network.octet, pids, images } satisfies ClusterState, null, 2),
      );
    try {
      const credentials = createCredentials(o.dir, network.kubernetesServiceIp, network.nodeIp);
      const plane = await startControlPlane(o.dir, bin, network, credentials);
      Object.assign(pids, plane.pids);
      record(plane.server);
      log(`control plane up at ${plane.server}`);
      symlinkSync(plane.kubeconfigs.admin, join(o.dir, 'kubeconfig'));
      await installKwokLogsCrd(plane.kubeconfigs.admin);
      pids.kwok = await startKwok(o.dir, bin, network, credentials, plane.kubeconfigs.kwok);
      record(plane.server);
      const cluster = new LocalCluster(o.dir, { server: plane.server, octet: network.octet, pids, images });
      writeCommands(cluster.binDir, bin);
      pids['pod-runner'] = await startDaemon(
        process.execPath,
        ['--import', TSX, join(REPO, 'tools/local-cluster/pod-runner/main.ts'), o.dir],
        join(o.dir, 'logs', 'pod-runner.log'),
      );
      record(plane.server);
      await cluster.addNodes(o.nodes ?? DEFAULT_NODES);
      await waitUntil(
        'the pod runner',
        () => readFileSync(join(o.dir, 'logs', 'pod-runner.log'), 'utf8').includes('pod runner ready'),
        60_000,
      );
      log(`nodes ready: ${(o.nodes ?? DEFAULT_NODES).map((n) => `${n.name}${n.gpus > 0 ? ` (${n.gpus} GPUs)` : ''}`).join(', ')}`);
      return cluster;
    } catch (e) {
      await stopAll(pids);
      removeClusterContainers(o.dir);
      releaseNetwork(network, o.dir);
      throw e;
    }
  }

  /** The cluster running in `dir` (started by another process). */
  static attach(dir: string): LocalCluster {
    if (!isAlive(dir)) throw new Error(`no local cluster is running in ${dir} (make cluster-up starts one)`);
    return new LocalCluster(dir, readState(dir)!);
  }

  /** An admin client configuration. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfig);
    return kc;
  }

  /** Runs the cluster's kubectl as admin; resolves with its stdout, rejects with its stderr. */
  async kubectl(args: readonly string[], input?: string): Promise<string> {
    const run = promisify(execFile);
    const child = run(join(this.binDir, 'kubectl'), ['--kubeconfig', this.kubeconfig, ...args], { maxBuffer: 64 << 20 });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    try {
      return (await child).stdout;
    } catch (e) {
      throw new Error(`kubectl ${args.join(' ')}: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }

  /** The end of what a pod's container printed, from its log in the pod's folder (as `kubectl logs` reads it). */
  podLog(namespace: string, pod: string, container: string, chars = 4_000): string {
    const pods = join(this.dir, 'pods');
    const folder = existsSync(pods) ? readdirSync(pods).find((f) => f.startsWith(`${namespace}_${pod}_`)) : undefined;
    const file = folder && join(pods, folder, `${container}.log`);
    return file && existsSync(file) ? containerLogText(readFileSync(file, 'utf8')).slice(-chars) : '';
  }

  /** Runs the cluster's helm as admin; resolves with its stdout, rejects with its stderr. */
  async helm(args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)(join(this.binDir, 'helm'), ['--kubeconfig', this.kubeconfig, ...args], {
        maxBuffer: 64 << 20,
      });
      return stdout;
    } catch (e) {
      throw new Error(`helm ${args.join(' ')}: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }

  /** Stops every process of the cluster (the pod runner first, so pods end gracefully) and frees its addresses. */
  async stop(): Promise<void> {
    this.stopped = true;
    await stopAll(this.state.pids);
    // Pods' processes the runner did not end (it died): each leads its own process group.
    await Promise.all(
      this.podPids()
        .filter(isRunning)
        .map((pid) => stopProcessGroup(pid, 5_000)),
    );
    removeClusterContainers(this.dir);
    releaseNetwork(this.network, this.dir);
  }

  /** Whether pods run from their images (else as local processes). */
  get images(): boolean {
    return this.state.images;
  }

  /** SIGKILLs every process of the cluster at once: for a test process that is exiting and cannot wait. */
  killNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const pid of [...Object.values(this.state.pids), ...this.podPids()]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (this.state.images) removeClusterContainers(this.dir);
    releaseNetwork(this.network, this.dir);
  }

  private podPids(): number[] {
    const pods = join(this.dir, 'pods');
    if (!existsSync(pods)) return [];
    return readdirSync(pods).flatMap((p) =>
      readdirSync(join(pods, p))
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(readFileSync(join(pods, p, f), 'utf8'))),
    );
  }

  private async addNodes(nodes: readonly FakeNode[]): Promise<void> {
    const api = this.kubeConfig().makeApiClient(CoreV1Api);
    for (const [i, node] of nodes.entries()) await api.createNode({ body: fakeNode(node, i, this.network) });
    await waitUntil(
      'fake nodes Ready',
      async () => {
        const list = await api.listNode({ labelSelector: undefined });
        const fake = list.items.filter((n) => n.metadata?.annotations?.[KWOK_NODE_ANNOTATION] === 'fake');
        return (
          fake.length === nodes.length && fake.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        );
      },
      60_000,
    );
    // Pods need their namespace's service account, which the controller manager creates.
    await waitUntil(
      'the default service account',
      async () => (await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) !== undefined,
      60_000,
    );
  }
}

function readState(dir: string): ClusterState | undefined {
  const file = join(dir, 'cluster.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : undefined;
}

/** Whether `dir` holds a cluster whose API server still runs. */
function isAlive(dir: string): boolean {
  const pid = readState(dir)?.pids['kube-apiserver'];
  return pid !== undefined && isRunning(pid);
}

async function stopAll(pids: ControlPlanePids): Promise<void> {
  for (const [, pid] of Object.entries(pids).reverse()) await stopProcessGroup(pid);
}

/** KWOK's `Logs` resource (kwok/logs-crd.yaml), through which the pod runner tells KWOK where pods' logs are. */
async function installKwokLogsCrd(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crd = parse(readFileSync(fileURLToPath(new URL('kwok/logs-crd.yaml', import.meta.url)), 'utf8')) as V1CustomResourceDefinition;
  await api.createCustomResourceDefinition({ body: crd });
  await waitUntil(
    'the Logs CRD',
    async () => {
      const { status } = await api.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    },
    30_000,
  );
}

/**
 * KWOK with the node lifecycles from its module and our pod lifecycle (kwok/pod-running.yaml), serving the kubelet API
 * (`kubectl logs`, from the files that `Logs` objects name) on the nodes' address.
 */
async function startKwok(
  dir: string,
  bin: ClusterBinaries,
  network: ClusterNetwork,
  credentials: ClusterCredentials,
  kubeconfig: string,
): Promise<number> {
  const stages = [
    ...readdirSync(bin.kwokStages).map((f) => join(bin.kwokStages, f)),
    fileURLToPath(new URL('kwok/pod-running.yaml', import.meta.url)),
  ].map((f) => readFileSync(f, 'utf8'));
  const config = join(dir, 'kwok-stages.yaml');
  writeFileSync(config, stages.join('\n---\n'));
  return startDaemon(
    bin.kwok,
    [
      '--kubeconfig',
      kubeconfig,
      '--config',
      config,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      '--node-ip',
      network.nodeIp,
      '--node-port',
      String(KUBELET_PORT),
      '--server-address',
      `${network.nodeIp}:${KUBELET_PORT}`,
      '--tls-cert-file',
      credentials.kubeletCert,
      '--tls-private-key-file',
      credentials.kubeletKey,
      '--enable-crds',
      'Logs',
      // Node leases are the heartbeat the node lifecycle controller watches (node-heartbeat-with-lease renews the
      // Node's status only every 10 min); without them it declares the nodes lost and marks their pods NotReady.
      '--node-lease-duration-seconds=40',
    ],
    join(dir, 'logs', 'kwok.log'),
  );
}

/**
 * `<dir>/bin`: kubectl, helm, and `nasmesh`, which pods' commands name as they would in the image: it runs this checkout's
 * CLI from source.
 */
function writeCommands(binDir: string, bin: ClusterBinaries): void {
  mkdirSync(binDir, { recursive: true });
  symlinkSync(bin.kubectl, join(binDir, 'kubectl'));
  symlinkSync(bin.helm, join(binDir, 'helm'));
  const nasmesh = join(binDir, 'nasmesh');
  writeFileSync(
    nasmesh,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)} ${JSON.stringify(join(REPO, 'cli/main.ts'))} "$@"\n`,
  );
  chmodSync(nasmesh, 0o755);
}
