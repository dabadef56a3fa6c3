import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Container,
  type V1ContainerStatus,
  type V1Pod,
  type V1PodCondition,
  type V1Service,
} from '@kubernetes/client-node';
import { type Informer, startInformer } from '../../../services/common/kube/informer.js';
import { podHostsFile } from './cluster-dns.js';
import { containerEnv, expandVariables, type ObjectData } from './pod-env.js';
import { writeContainerLog } from './container-log.js';
import { containerSecurity, imageExists, type ImageUser, imageUser, startContainer, stopContainer } from './pod-container.js';
import { startInSandbox } from './pod-sandbox.js';
import { containerMounts, type PreparedVolumes, prepareVolumes } from './pod-volumes.js';
import { probeOnce } from './probes.js';
import { ServiceProxy } from './service-proxy.js';

/** KWOK's resource that maps a pod's containers to their log files (local-cluster.ts installs its CRD). */
const KWOK_LOGS = { group: 'kwok.x-k8s.io', version: 'v1alpha1', plural: 'logs' } as const;

/** Marks the pods this runner started: a pod it finds Running with another runner's mark lost its process. */
const RUNNER_ANNOTATION = 'local-cluster.nasmesh.io/pod-runner';

export interface PodRunnerOptions {
  readonly kc: KubeConfig;
  /** The fake nodes whose pods this runner runs. */
  readonly isOurNode: (nodeName: string) => boolean;
  /** Pods' folders (volumes, hosts file, logs) go under `<dir>/pods/`. */
  readonly dir: string;
  /**
   * Run each container from its image with podman and runc (pod-container.ts) where the image is in this machine's
   * container storage; a container whose image is not (NATS's, which no registry here serves) and every container
   * without this option runs as a local process (pod-sandbox.ts).
   */
  readonly images?: boolean;
  /** Labels the containers run from images, so the cluster's `down` finds them (pod-container.ts). */
  readonly clusterLabel?: string;
  /** PATH of the local processes: the folder providing `nasmesh` first. */
  readonly path: string;
  /** Where in-cluster clients find the API server (KUBERNETES_SERVICE_HOST/PORT). */
  readonly apiServer: { readonly host: string; readonly port: number };
  /** Whether an IP is one of the cluster's ClusterIPs (the proxy listens on those). */
  readonly isClusterIp: (ip: string) => boolean;
  readonly log?: (line: string) => void;
}

interface ContainerProcess {
  readonly container: V1Container;
  readonly child: ChildProcess;
  /** Where it runs from its image: podman's name of it (stopped through podman, which forwards no SIGKILL). */
  readonly containerName?: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startedAt: string;
  ready: boolean;
}

interface RunningPod {
  pod: V1Pod;
  readonly dir: string;
  readonly hostsFile: string;
  readonly processes: ContainerProcess[];
  readonly timers: NodeJS.Timeout[];
  stopping?: Promise<void>;
}

/**
 * The kubelet of the local cluster's fake nodes. KWOK marks pods bound to them Running with a pod IP; this runs each
 * container's command and args as a local process (pod-sandbox.ts) with the environment and volumes of its pod spec,
 * marks the pod Ready once its readiness probes pass, ends the process when the pod is deleted (SIGTERM, SIGKILL
 * after the grace period, then removes the pod object as a kubelet does) and marks the pod Failed (Succeeded for a
 * Job's pod that exited 0) when the process ends on its own. It also serves Services to pods: /etc/hosts entries
 * and a user-space proxy on every ClusterIP. So every pod really runs, and the cluster decides where and whether.
 */
export class PodRunner {
  private readonly api: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly pods: Informer<V1Pod>;
  private readonly services: Informer<V1Service>;
  private readonly running = new Map<string, RunningPod>();
  /** Pods whose processes ended: never started again (their replacement is a new pod). */
  private readonly ended = new Set<string>();
  private readonly images = new Map<string, Promise<ImageUser | undefined>>();
  private readonly proxy: ServiceProxy;
  private readonly log: (line: string) => void;
  private readonly id = `${process.pid}-${Date.now()}`;
  private dnsTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: PodRunnerOptions) {
    this.api = o.kc.makeApiClient(CoreV1Api);
    this.custom = o.kc.makeApiClient(CustomObjectsApi);
    this.log = o.log ?? ((line) => console.log(line));
    const onError = (what: string) => (e: unknown) => this.log(`pod runner: watching ${what} failed (retrying): ${String(e)}`);
    this.pods = startInformer(o.kc, '/api/v1/pods', () => this.api.listPodForAllNamespaces(), { onError: onError('pods') });
    this.services = startInformer(o.kc, '/api/v1/services', () => this.api.listServiceForAllNamespaces(), { onError: onError('services') });
    this.proxy = new ServiceProxy(o.isClusterIp, this.log);
  }

  /** Resolves once both caches are filled and the pods found are being handled. */
  async start(): Promise<void> {
    await Promise.all([this.pods.synced, this.services.synced]);
    this.pods.onChange((pod, deleted) => this.onPod(pod, deleted));
    this.services.onChange(() => this.scheduleDns());
    for (const pod of this.pods.list()) this.onPod(pod, false);
    this.scheduleDns();
  }

  /** Stops every pod's processes (the cluster is going down) and the watches. */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.dnsTimer);
    await Promise.all([...this.running.values()].map((p) => this.terminate(p, 5)));
    this.proxy.close();
    await Promise.all([this.pods.stop(), this.services.stop()]);
  }

  private onPod(pod: V1Pod, deleted: boolean): void {
    this.scheduleDns();
    const uid = pod.metadata!.uid!;
    if (!pod.spec?.nodeName || !this.o.isOurNode(pod.spec.nodeName) || this.closed) return;
    const run = this.running.get(uid);
    if (run) {
      run.pod = pod;
      this.assertReadiness(run);
    }
    if (deleted) {
      if (run) void this.terminate(run, 0).then(() => this.ended.delete(uid));
      else this.ended.delete(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      void (run ? this.terminate(run, grace) : Promise.resolve()).then(() => this.removePod(pod));
      return;
    }
    if (run || this.ended.has(uid) || pod.status?.phase !== 'Running') return;
    const mark = pod.metadata?.annotations?.[RUNNER_ANNOTATION];
    if (mark !== undefined && mark !== this.id) {
      this.ended.add(uid);
      void this.markEnded(pod, 'Failed', 'PodRunnerRestarted', "the local pod runner restarted; this pod's processes are gone");
      return;
    }
    void this.startPod(pod).catch((e: Error) => {
      this.log(`pod ${key(pod)}: cannot start: ${e.message}`);
      this.ended.add(uid);
      const run = this.running.get(uid);
      if (run) void this.terminate(run, 0);
      return this.markEnded(pod, 'Failed', 'StartError', e.message);
    });
  }

  private async startPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const dir = join(this.o.dir, 'pods', `${pod.metadata!.namespace}_${pod.metadata!.name}_${uid.slice(0, 8)}`);
    mkdirSync(join(dir, 'work'), { recursive: true });
    const run: RunningPod = { pod, dir, hostsFile: join(dir, 'hosts'), processes: [], timers: [] };
    writeFileSync(run.hostsFile, podHostsFile(pod, this.services.list(), this.pods.list()));
    this.running.set(uid, run);
    await this.api.patchNamespacedPod(
      {
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: { metadata: { annotations: { [RUNNER_ANNOTATION]: this.id } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    if (pod.spec?.initContainers?.length) throw new Error('init containers are not supported by the local pod runner');
    const volumes = await prepareVolumes(pod, dir, {
      read: this.readObject,
      serviceAccountToken: (p, expirationSeconds) => this.token(p, expirationSeconds),
      claimPath: (namespace, claim) => this.claimPath(namespace, claim),
    });
    if (volumes.refreshAfterMs !== undefined) this.refreshTokens(run, volumes, volumes.refreshAfterMs);
    const serviceEnv = {
      KUBERNETES_SERVICE_HOST: this.o.apiServer.host,
      KUBERNETES_SERVICE_PORT: String(this.o.apiServer.port),
      KUBERNETES_SERVICE_PORT_HTTPS: String(this.o.apiServer.port),
    };
    for (const container of pod.spec!.containers) {
      const env = await containerEnv(pod, container, serviceEnv, this.readObject);
      const expand = (list: readonly string[] | undefined) => list?.map((s) => expandVariables(s, env));
      const mounts = containerMounts(container, volumes);
      const logFile = join(dir, `${container.name}.log`);
      let child: ChildProcess;
      let containerName: string | undefined;
      const image = this.o.images && container.image ? await this.localImage(container.image) : undefined;
      if (image) {
        containerName = `${pod.metadata!.namespace}_${pod.metadata!.name}_${uid.slice(0, 8)}_${container.name}`;
        child = startContainer({
          name: containerName,
          clusterLabel: this.o.clusterLabel ?? this.o.dir,
          image: container.image!,
          ...(container.command ? { command: expand(container.command) } : {}),
          ...(container.args ? { args: expand(container.args) } : {}),
          env: { HOSTNAME: pod.metadata!.name!, ...env },
          hostsFile: run.hostsFile,
          mounts,
          ...(container.workingDir ? { workingDir: container.workingDir } : {}),
          security: containerSecurity(pod, container, image),
          envFile: join(dir, `${container.name}.env`),
        });
      } else {
        if (!container.command?.length)
          throw new Error(
            `container ${container.name}: a local process needs an explicit command (the image ${container.image} is not here)`,
          );
        child = startInSandbox({
          command: [...expand(container.command)!, ...(expand(container.args) ?? [])],
          env: { PATH: this.o.path, HOME: join(dir, 'work'), HOSTNAME: pod.metadata!.name!, ...env },
          hostsFile: run.hostsFile,
          mounts,
          workingDir: container.workingDir ?? join(dir, 'work'),
          scriptFile: join(dir, `${container.name}.sh`),
        });
      }
      // The cluster's stop ends what is left of these process groups (the runner died, or a podman client was still
      // creating its container) before it removes the containers, so none is created after the removal. The file
      // goes when the process does, so a reused pid is never taken for it.
      const pidFile = join(dir, `${container.name}.pid`);
      if (child.pid !== undefined) writeFileSync(pidFile, String(child.pid));
      void writeContainerLog(child, logFile).catch((e: Error) => this.log(`pod ${key(pod)}: log of ${container.name}: ${e.message}`));
      const exited = once(child, 'exit').then(([code, signal]) => ({
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
      }));
      const proc: ContainerProcess = {
        container,
        child,
        ...(containerName ? { containerName } : {}),
        exited,
        startedAt: new Date().toISOString(),
        ready: false,
      };
      run.processes.push(proc);
      void exited.then((result) => {
        rmSync(pidFile, { force: true });
        return this.containerExited(run, proc, result);
      });
      void this.watchReadiness(run, proc);
    }
    await this.serveLogs(pod, dir).catch((e: Error) => this.log(`pod ${key(pod)}: kubectl logs will not find it: ${e.message}`));
    const how = run.processes.map((p) => `${p.container.name} ${p.containerName ? `from ${p.container.image}` : 'as a local process'}`);
    this.log(`pod ${key(pod)}: started on ${pod.spec!.nodeName} at ${pod.status?.podIP}: ${how.join(', ')} (logs ${dir})`);
  }

  /**
   * Tells KWOK's kubelet API where the pod's container logs are (a KWOK `Logs` object named as the pod, owned by it so
   * the garbage collector removes it with the pod), so `kubectl logs` reads them. A pod that reuses a name (a
   * StatefulSet's) takes over the object its predecessor left.
   */
  private async serveLogs(pod: V1Pod, dir: string): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    const body = {
      apiVersion: `${KWOK_LOGS.group}/${KWOK_LOGS.version}`,
      kind: 'Logs',
      metadata: { name, namespace, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid }] },
      spec: {
        logs: pod.spec!.containers.map((c) => ({ containers: [c.name], logsFile: join(dir, `${c.name}.log`), follow: true })),
      },
    };
    await this.custom.createNamespacedCustomObject({ ...KWOK_LOGS, namespace, body }).catch(async (e: { code?: number }) => {
      if (e.code !== 409) throw e;
      await this.custom.patchNamespacedCustomObject(
        { ...KWOK_LOGS, namespace, name, body: { metadata: body.metadata, spec: body.spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    });
  }

  /** The image's user where the image is in container storage; asked once per image (the local cluster pulls nothing). */
  private localImage(image: string): Promise<ImageUser | undefined> {
    let known = this.images.get(image);
    if (!known) this.images.set(image, (known = imageExists(image).then((here) => (here ? imageUser(image) : undefined))));
    return known;
  }

  /** Runs the container's readiness probe (none: ready once started) and reports changes of the pod's readiness. */
  private async watchReadiness(run: RunningPod, proc: ContainerProcess): Promise<void> {
    const probe = proc.container.readinessProbe;
    const ip = run.pod.status!.podIP!;
    const period = (probe?.periodSeconds ?? 10) * 1000;
    if (probe?.initialDelaySeconds) await sleep(probe.initialDelaySeconds * 1000);
    let failures = 0;
    let successes = 0;
    while (!run.stopping && proc.child.exitCode === null && proc.child.signalCode === null && !this.closed) {
      const ok = probe ? await probeOnce(probe, proc.container, ip).catch(() => false) : true;
      successes = ok ? successes + 1 : 0;
      failures = ok ? 0 : failures + 1;
      const ready = proc.ready ? failures < (probe?.failureThreshold ?? 3) : successes >= (probe?.successThreshold ?? 1);
      if (ready !== proc.ready) {
        proc.ready = ready;
        await this.patchStatus(run.pod, this.runningStatus(run)).catch((e: Error) => this.log(`pod ${key(run.pod)}: status: ${e.message}`));
      }
      if (!probe) return;
      await sleep(period);
    }
  }

  /**
   * Puts the pod's Ready condition back to what its probes say when something else changed it (the node lifecycle
   * controller marks pods NotReady when it misses a node's heartbeat), as a kubelet's status sync does.
   */
  private assertReadiness(run: RunningPod): void {
    if (run.stopping || run.processes.length === 0 || run.pod.metadata?.deletionTimestamp) return;
    const ready = run.processes.every((p) => p.ready) && run.processes.length === run.pod.spec!.containers.length;
    const shown = run.pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready !== shown && run.pod.status?.phase === 'Running') {
      void this.patchStatus(run.pod, this.runningStatus(run)).catch((e: Error) => this.log(`pod ${key(run.pod)}: status: ${e.message}`));
    }
  }

  private runningStatus(run: RunningPod) {
    const ready = run.processes.every((p) => p.ready) && run.processes.length === run.pod.spec!.containers.length;
    return {
      conditions: conditions(run.pod, ready, ready ? undefined : 'ContainersNotReady'),
      containerStatuses: run.processes.map((p): V1ContainerStatus => ({
        name: p.container.name,
        image: p.container.image ?? '',
        imageID: '',
        ready: p.ready,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: new Date(p.startedAt) } },
      })),
    };
  }

  /** A process ended on its own (not because its pod was deleted): the pod ends, as its restartPolicy says. */
  private async containerExited(
    run: RunningPod,
    proc: ContainerProcess,
    result: { code: number | null; signal: NodeJS.Signals | null },
  ): Promise<void> {
    if (run.stopping || this.closed) return;
    const pod = run.pod;
    this.ended.add(pod.metadata!.uid!);
    const others = run.processes.filter((p) => p !== proc);
    run.stopping = Promise.all(others.map((p) => stopProcess(p, 10))).then(() => undefined);
    await run.stopping;
    this.forget(run);
    const failed = result.code !== 0 || pod.spec?.restartPolicy === 'Always' || pod.spec?.restartPolicy === undefined;
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    this.log(`pod ${key(pod)}: container ${proc.container.name} ${how}`);
    await this.markEnded(
      pod,
      failed ? 'Failed' : 'Succeeded',
      failed ? 'ProcessExited' : 'Completed',
      `container ${proc.container.name} ${how}`,
      [{ proc, result }, ...others.map((p) => ({ proc: p, result: { code: 137, signal: null } }))],
    );
  }

  private async markEnded(
    pod: V1Pod,
    phase: 'Failed' | 'Succeeded',
    reason: string,
    message: string,
    exits: { proc: ContainerProcess; result: { code: number | null; signal: NodeJS.Signals | null } }[] = [],
  ): Promise<void> {
    const now = new Date();
    const containerStatuses = exits.map(({ proc, result }): V1ContainerStatus => ({
      name: proc.container.name,
      image: proc.container.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: {
        terminated: {
          exitCode: result.code ?? 128 + constants.signals[result.signal!],
          ...(result.signal ? { signal: constants.signals[result.signal] } : {}),
          reason: result.code === 0 ? 'Completed' : 'Error',
          startedAt: new Date(proc.startedAt),
          finishedAt: now,
        },
      },
    }));
    await this.patchStatus(pod, {
      phase,
      reason,
      message,
      conditions: conditions(pod, false, 'PodCompleted'),
      ...(containerStatuses.length > 0 ? { containerStatuses } : {}),
    }).catch((e: Error) => this.log(`pod ${key(pod)}: cannot mark it ${phase}: ${e.message}`));
  }

  /** Ends the pod's processes (SIGTERM, SIGKILL after `graceSeconds`). */
  private terminate(run: RunningPod, graceSeconds: number): Promise<void> {
    run.stopping ??= Promise.all(run.processes.map((p) => stopProcess(p, graceSeconds))).then(() => {
      this.ended.add(run.pod.metadata!.uid!);
      this.forget(run);
    });
    return run.stopping;
  }

  private forget(run: RunningPod): void {
    for (const t of run.timers) clearTimeout(t);
    this.running.delete(run.pod.metadata!.uid!);
  }

  /** The kubelet's last step of a deletion: the pod object goes once its processes are gone. */
  private async removePod(pod: V1Pod): Promise<void> {
    try {
      await this.api.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        // In the body: the API server reads a body's options instead of the query's.
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      });
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code !== 404 && code !== 409) this.log(`pod ${key(pod)}: cannot remove it: ${String(e)}`);
    }
  }

  private patchStatus(pod: V1Pod, status: object): Promise<V1Pod> {
    return this.api.patchNamespacedPodStatus(
      { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  private refreshTokens(run: RunningPod, volumes: PreparedVolumes, afterMs: number): void {
    const timer = setTimeout(() => {
      void volumes.refreshTokens().then(
        () => this.refreshTokens(run, volumes, afterMs),
        (e: Error) => this.log(`pod ${key(run.pod)}: refreshing its token failed: ${e.message}`),
      );
    }, afterMs);
    timer.unref();
    run.timers.push(timer);
  }

  private readonly readObject: ObjectData = async (kind, namespace, name) => {
    try {
      if (kind === 'ConfigMap') return (await this.api.readNamespacedConfigMap({ name, namespace })).data ?? {};
      const data = (await this.api.readNamespacedSecret({ name, namespace })).data ?? {};
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  };

  private async token(pod: V1Pod, expirationSeconds: number) {
    const { metadata, spec } = pod;
    const response = await this.api.createNamespacedServiceAccountToken({
      name: spec?.serviceAccountName ?? 'default',
      namespace: metadata!.namespace!,
      body: {
        spec: {
          audiences: [],
          expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: metadata!.name!, uid: metadata!.uid! },
        },
      },
    });
    return { token: response.status!.token, expirationSeconds: response.spec.expirationSeconds ?? expirationSeconds };
  }

  private async claimPath(namespace: string, claim: string): Promise<string> {
    const pvc = await this.api.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
    if (!pvc.spec?.volumeName) throw new Error(`persistentVolumeClaim ${claim} is not bound`);
    const pv = await this.api.readPersistentVolume({ name: pvc.spec.volumeName });
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path)
      throw new Error(`PersistentVolume ${pv.metadata?.name}: only hostPath and local volumes are supported by the local pod runner`);
    return path;
  }

  /** Rewrites the running pods' hosts files and the proxy's listeners after pods or Services changed (batched). */
  private scheduleDns(): void {
    if (this.dnsTimer || this.closed) return;
    this.dnsTimer = setTimeout(() => {
      this.dnsTimer = undefined;
      const services = this.services.list();
      const pods = this.pods.list();
      this.proxy.sync(services, pods);
      for (const run of this.running.values()) {
        try {
          const content = podHostsFile(run.pod, services, pods);
          // In place, not by rename: the pod's /etc/hosts is a bind mount of this very file.
          if (readFileSync(run.hostsFile, 'utf8') !== content) writeFileSync(run.hostsFile, content);
        } catch (e) {
          this.log(`pod ${key(run.pod)}: cannot update its /etc/hosts: ${(e as Error).message}`);
        }
      }
    }, 50);
  }
}

function key(pod: V1Pod): string {
  return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
}

/** The pod's conditions with Ready and ContainersReady set; the others (PodScheduled, Initialized) kept. */
function conditions(pod: V1Pod, ready: boolean, reason?: string): V1PodCondition[] {
  const now = new Date();
  const kept = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
  const status = ready ? 'True' : 'False';
  const previous = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const since = previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : now;
  return [
    ...kept,
    ...(['Ready', 'ContainersReady'] as const).map((type) => ({ type, status, lastTransitionTime: since, ...(reason ? { reason } : {}) })),
  ];
}

async function stopProcess(p: ContainerProcess, graceSeconds: number): Promise<void> {
  const { child } = p;
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (p.containerName) {
    await stopContainer(p.containerName, graceSeconds);
    await p.exited;
    return;
  }
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // Gone already.
    }
  };
  signal('SIGTERM');
  const kill = setTimeout(() => signal('SIGKILL'), graceSeconds * 1000);
  await p.exited;
  clearTimeout(kill);
}
