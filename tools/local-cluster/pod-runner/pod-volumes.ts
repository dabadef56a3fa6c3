import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { V1Container, V1KeyToPath, V1Pod, V1Volume, V1VolumeProjection } from '@kubernetes/client-node';
import { type ObjectData, fieldValue } from './pod-env.js';

/** A folder bind-mounted into a container's mount namespace. */
export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** What the volumes need from the API server besides ConfigMaps and Secrets. */
export interface VolumeSources {
  readonly read: ObjectData;
  /** A token for the pod's service account, bound to the pod (TokenRequest), and its lifetime in seconds. */
  readonly serviceAccountToken: (pod: V1Pod, expirationSeconds: number) => Promise<{ token: string; expirationSeconds: number }>;
  /** The host folder of the PersistentVolume a claim is bound to. */
  readonly claimPath: (namespace: string, claim: string) => Promise<string>;
}

export interface PreparedVolumes {
  /** Host folder of each volume, by name. */
  readonly paths: Map<string, string>;
  /** Rewrites the projected service-account tokens before they expire (their files keep their inodes). */
  refreshTokens(): Promise<void>;
  /** When refreshTokens is due next (ms from now); undefined when the pod has no token. */
  readonly refreshAfterMs?: number;
}

/**
 * Materialises a pod's volumes as host folders under `podDir`, as a kubelet's volume plugins would: emptyDir, hostPath,
 * persistentVolumeClaim (the bound PV's hostPath or local path), configMap, secret, downwardAPI and projected (what
 * the ServiceAccount admission plugin adds: a bound token, kube-root-ca.crt, the namespace). Ownership and modes are
 * a kubelet's too, for containers that run as another user: an emptyDir is writable by all; projected files have
 * their `mode` or the volume's `defaultMode` (0644), belong to the pod's fsGroup where it has one and are then
 * readable by it; a service-account token is 0600, owned by the pod's runAsUser.
 */
export async function prepareVolumes(pod: V1Pod, podDir: string, sources: VolumeSources): Promise<PreparedVolumes> {
  const paths = new Map<string, string>();
  const security = pod.spec?.securityContext;
  const tokens: { file: string; expirationSeconds: number }[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    paths.set(volume.name, await prepare(volume));
  }
  const writeTokens = async () => {
    for (const t of tokens) writeFileSync(t.file, (await sources.serviceAccountToken(pod, t.expirationSeconds)).token, { mode: 0o600 });
  };
  const shortest = Math.min(...tokens.map((t) => t.expirationSeconds));
  return {
    paths,
    refreshTokens: writeTokens,
    // Kubelets refresh at 80 % of the lifetime.
    ...(tokens.length > 0 ? { refreshAfterMs: shortest * 800 } : {}),
  };

  async function prepare(volume: V1Volume): Promise<string> {
    const namespace = pod.metadata!.namespace!;
    const folder = join(podDir, 'volumes', volume.name);
    if (volume.hostPath) {
      if (volume.hostPath.type === 'DirectoryOrCreate') mkdirSync(volume.hostPath.path, { recursive: true });
      return volume.hostPath.path;
    }
    if (volume.persistentVolumeClaim) return sources.claimPath(namespace, volume.persistentVolumeClaim.claimName);
    mkdirSync(folder, { recursive: true });
    if (volume.emptyDir) {
      chmodSync(folder, 0o777);
      return folder;
    }
    const projections: V1VolumeProjection[] = volume.projected?.sources ?? [];
    if (volume.configMap) projections.push({ configMap: volume.configMap });
    if (volume.secret)
      projections.push({ secret: { name: volume.secret.secretName, items: volume.secret.items, optional: volume.secret.optional } });
    if (volume.downwardAPI) projections.push({ downwardAPI: volume.downwardAPI });
    if (projections.length === 0) throw new Error(`volume ${volume.name}: this kind of volume is not supported by the local pod runner`);
    const defaultMode = volume.configMap?.defaultMode ?? volume.secret?.defaultMode ?? volume.projected?.defaultMode ?? 0o644;
    for (const p of projections) await project(p, folder, namespace, defaultMode);
    return folder;
  }

  async function project(p: V1VolumeProjection, folder: string, namespace: string, defaultMode: number): Promise<void> {
    const write = (path: string, content: string, mode = defaultMode, owner = 0) => {
      const file = join(folder, safeRelative(path));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      const group = security?.fsGroup;
      chownSync(file, owner, group ?? 0);
      chmodSync(file, group === undefined ? mode : mode | 0o040);
      return file;
    };
    if (p.serviceAccountToken) {
      const expirationSeconds = p.serviceAccountToken.expirationSeconds ?? 3600;
      const issued = await sources.serviceAccountToken(pod, expirationSeconds);
      const file = write(p.serviceAccountToken.path, issued.token, 0o600, security?.runAsUser ?? 0);
      tokens.push({ file, expirationSeconds: issued.expirationSeconds });
    }
    const ref = p.configMap ?? p.secret;
    if (ref) {
      const data = await sources.read(p.configMap ? 'ConfigMap' : 'Secret', namespace, ref.name!);
      if (!data && !ref.optional) throw new Error(`${p.configMap ? 'configMap' : 'secret'} ${ref.name} not found`);
      const items: V1KeyToPath[] = ref.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) if (data?.[item.key] !== undefined) write(item.path, data[item.key]!, item.mode ?? defaultMode);
    }
    for (const item of p.downwardAPI?.items ?? []) {
      if (!item.fieldRef) throw new Error(`downwardAPI ${item.path}: only fieldRef is supported by the local pod runner`);
      write(item.path, fieldValue(pod, item.fieldRef), item.mode ?? defaultMode);
    }
  }
}

/** The bind mounts of one container, parents before children. */
export function containerMounts(container: V1Container, volumes: PreparedVolumes): Mount[] {
  return (container.volumeMounts ?? [])
    .map((m) => {
      const source = volumes.paths.get(m.name);
      if (source === undefined) throw new Error(`volumeMount ${m.mountPath}: no volume ${m.name}`);
      if (!isAbsolute(m.mountPath)) throw new Error(`volumeMount ${m.mountPath}: must be absolute`);
      return {
        source: m.subPath ? join(source, safeRelative(m.subPath)) : source,
        target: normalize(m.mountPath),
        readOnly: m.readOnly ?? false,
      };
    })
    .sort((a, b) => a.target.length - b.target.length);
}

/** A path inside a volume, as the API server validates them: relative and without `..`. */
function safeRelative(path: string): string {
  const normalised = normalize(path);
  if (isAbsolute(normalised) || normalised.split('/').includes('..')) throw new Error(`volume path ${path} leaves its volume`);
  return normalised;
}
