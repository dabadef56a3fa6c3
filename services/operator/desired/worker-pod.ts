import type {
  V1Container,
  V1OwnerReference,
  V1PodSecurityContext,
  V1PodTemplateSpec,
  V1SecurityContext,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import type { SearchSpec } from '../../../src/spec/search-spec.js';
import { type WorkersSpec, workersSpecSchema } from '../../../src/spec/workers-spec.js';
import { childName } from '../names.js';
import {
  type Component,
  COMPONENT_LABEL,
  MESH_DIR,
  MESH_NAME,
  NASSEARCH,
  type NASSearch,
  type OperatorConfig,
  SEARCH_LABEL,
} from '../types.js';

/** The extended resource GPU nodes advertise (NVIDIA's device plugin) and taint themselves with. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

const DATA_VOLUME = 'data';
const MESH_VOLUME = 'mesh';

/** The search's `spec.workers`, defaults filled in. */
export function workersOf(spec: SearchSpec): WorkersSpec {
  return spec.spec.workers ?? workersSpecSchema.parse({});
}

/** Labels of every object of a search's component; the first two select its pods. */
export function componentLabels(nas: NASSearch, component: Component): Record<string, string> {
  return {
    [SEARCH_LABEL]: nas.metadata.name!,
    [COMPONENT_LABEL]: component,
    'app.kubernetes.io/name': 'nasmesh',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'nasmesh-operator',
  };
}

/**
 * Makes the NASSearch the owner: its deletion garbage-collects the object. No blockOwnerDeletion: it would need
 * update rights on nassearches/finalizers where OwnerReferencesPermissionEnforcement runs, for a foreground deletion
 * nobody asks for.
 */
export function ownedBy(nas: NASSearch): V1OwnerReference[] {
  return [{ apiVersion: NASSEARCH.apiVersion, kind: NASSEARCH.kind, name: nas.metadata.name!, uid: nas.metadata.uid!, controller: true }];
}

export interface WorkerContainer {
  /** Arguments of `nasmesh` (the image's entry point): a `serve` command or `final`. */
  readonly args: readonly string[];
  /** Serves gRPC health on the grpc port: its readiness probe. */
  readonly serves: boolean;
}

/**
 * The pod of a search's worker (evaluator, supernet-trainer, final-training Job) with the search's `spec.workers`:
 * resources (GPUs as the nvidia.com/gpu limit, with the toleration of GPU nodes' taint), nodeSelector, tolerations,
 * priorityClassName and the data volume, which is also the working directory so the spec's relative paths resolve
 * in it. Workers never talk to the Kubernetes API, so they get no service-account token.
 */
/**
 * Workers run as the chart's pods do: as the image's user 10001, never root, its group owning the mounted Secret
 * (mode 0440) through fsGroup, on a read-only root with every capability dropped and the runtime's default seccomp
 * profile. Nothing of nasmesh writes outside its volumes.
 */
const WORKER_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  fsGroup: 10001,
  seccompProfile: { type: 'RuntimeDefault' },
} as const satisfies V1PodSecurityContext;
const WORKER_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
} as const satisfies V1SecurityContext;

export function workerPodTemplate(
  nas: NASSearch,
  workers: WorkersSpec,
  config: OperatorConfig,
  component: Component,
  c: WorkerContainer,
  restartPolicy: 'Always' | 'Never',
): V1PodTemplateSpec {
  const { resources, dataVolume } = workers;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (resources.cpu !== undefined) requests.cpu = resources.cpu;
  if (resources.memory !== undefined) requests.memory = limits.memory = resources.memory;
  if (resources.gpu > 0) limits[GPU_RESOURCE] = String(resources.gpu);
  const tolerations: V1Toleration[] = [...(workers.tolerations ?? [])];
  if (resources.gpu > 0) tolerations.push({ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' });
  const volumes: V1Volume[] = [
    ...(dataVolume
      ? [
          dataVolume.claimName !== undefined
            ? { name: DATA_VOLUME, persistentVolumeClaim: { claimName: dataVolume.claimName, readOnly: true } }
            : { name: DATA_VOLUME, hostPath: { path: dataVolume.hostPath!, type: 'Directory' } },
        ]
      : []),
    ...(config.workerSecret ? [{ name: MESH_VOLUME, secret: { secretName: workerSecretName(nas), defaultMode: 0o440 } }] : []),
  ];
  const mounts = [
    ...(dataVolume ? [{ name: DATA_VOLUME, mountPath: dataVolume.mountPath, readOnly: true }] : []),
    ...(config.workerSecret ? [{ name: MESH_VOLUME, mountPath: MESH_DIR, readOnly: true }] : []),
  ];
  const container: V1Container = {
    name: component,
    image: workers.image ?? config.image,
    command: ['nasmesh'],
    args: [...c.args],
    env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
    ...(dataVolume ? { workingDir: dataVolume.mountPath } : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    securityContext: WORKER_CONTAINER_SECURITY,
    ...(c.serves
      ? {
          ports: [
            { name: 'grpc', containerPort: config.ports.grpc },
            { name: 'metrics', containerPort: config.ports.metrics },
          ],
          // A kubelet's gRPC probe speaks no TLS: with TLS, the metrics port's /readyz says whether gRPC serves.
          readinessProbe: config.workerSecret
            ? { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 2, failureThreshold: 3 }
            : { grpc: { port: config.ports.grpc }, periodSeconds: 2, failureThreshold: 3 },
        }
      : {}),
  };
  return {
    metadata: {
      labels: componentLabels(nas, component),
      ...(c.serves ? { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(config.ports.metrics) } } : {}),
    },
    spec: {
      containers: [container],
      restartPolicy,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: WORKER_POD_SECURITY,
      ...(workers.nodeSelector ? { nodeSelector: workers.nodeSelector } : {}),
      ...(tolerations.length ? { tolerations } : {}),
      ...(workers.priorityClassName ? { priorityClassName: workers.priorityClassName } : {}),
      ...(volumes.length ? { volumes } : {}),
    },
  };
}

/** Flags every serving worker takes: listen on the pod's own IP (the downward API's POD_IP), reach NATS; TLS. */
export function serveArgs(service: string, config: OperatorConfig, workers: WorkersSpec): string[] {
  // Only the mesh calls workers: mutual TLS, no access file.
  const tls = config.workerSecret
    ? [
        '--tls-cert',
        `${MESH_DIR}/tls.crt`,
        '--tls-key',
        `${MESH_DIR}/tls.key`,
        '--tls-ca',
        `${MESH_DIR}/ca.crt`,
        '--tls-server-name',
        MESH_NAME,
        '--require-client-cert',
      ]
    : [];
  return [
    'serve',
    service,
    '--host',
    '$(POD_IP)',
    '--port',
    String(config.ports.grpc),
    '--metrics-port',
    String(config.ports.metrics),
    ...tls,
    ...natsArgs(config, workers),
  ];
}

/**
 * Flags of every worker (`nasmesh final` too): its NATS (with the mesh's certificate and password when the operator
 * has them), `--insecure` when the operator runs so, and the data volume as its only data root (the files a search
 * names are read there and nowhere else).
 */
export function natsArgs(config: OperatorConfig, workers: WorkersSpec): string[] {
  const tls = config.workerSecret
    ? [
        '--nats-ca',
        `${MESH_DIR}/ca.crt`,
        '--nats-cert',
        `${MESH_DIR}/tls.crt`,
        '--nats-key',
        `${MESH_DIR}/tls.key`,
        '--nats-user',
        'nasmesh',
        '--nats-password-file',
        `${MESH_DIR}/nats-password`,
      ]
    : [];
  return [
    '--nats',
    config.natsUrl,
    ...tls,
    ...(config.insecure ? ['--insecure'] : []),
    ...(workers.dataVolume ? ['--data-root', workers.dataVolume.mountPath] : []),
  ];
}

/** The search's copy of the mesh Secret (workers mount it; Secrets do not cross namespaces). */
export function workerSecretName(nas: NASSearch): string {
  return childName(nas, 'mesh');
}
