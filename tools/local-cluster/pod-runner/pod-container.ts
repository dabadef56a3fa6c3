import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { CONTAINERS_ENV } from '../../image/image.js';
import type { Mount } from './pod-volumes.js';

/**
 * A container run from its image with podman and runc (tools/image/containers.conf), as a kubelet's runtime would run
 * it: the image's root filesystem (read-only where the securityContext says so, with no tmpfs added), the pod's user,
 * groups, capabilities, seccomp profile and no-new-privileges, its volumes and /etc/hosts bind-mounted, and the host's
 * network namespace (pods listen on their own loopback pod IPs, as the process runner's pods do).
 */
export interface ContainerRunSpec {
  /** podman's name for it, unique on the machine. */
  readonly name: string;
  /** Labels every container of one local cluster, so `make cluster-down` removes them even if the runner died. */
  readonly clusterLabel: string;
  readonly image: string;
  /** Kubernetes' command (the image's entrypoint otherwise) and args (its CMD otherwise). */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Record<string, string>;
  readonly hostsFile: string;
  readonly mounts: readonly Mount[];
  readonly workingDir?: string;
  readonly security: ContainerSecurity;
  /** The env file (KEY=value lines; the values stay out of the process list), in the pod's folder. */
  readonly envFile: string;
}

/** What a pod's and a container's securityContext ask of the runtime, merged as a kubelet merges them. */
export interface ContainerSecurity {
  readonly user?: number;
  readonly group?: number;
  readonly supplementalGroups: readonly number[];
  readonly runAsNonRoot: boolean;
  readonly readOnlyRootFilesystem: boolean;
  readonly noNewPrivileges: boolean;
  readonly dropCapabilities: readonly string[];
  readonly addCapabilities: readonly string[];
  readonly seccomp: 'RuntimeDefault' | 'Unconfined';
}

export const CLUSTER_LABEL = 'io.nasmesh.local-cluster';

const podman = (args: string[]) => promisify(execFile)('podman', args, { env: { ...process.env, ...CONTAINERS_ENV } });

/** Whether the image is in this machine's container storage (nothing is pulled: the local cluster has no registry). */
export async function imageExists(image: string): Promise<boolean> {
  return podman(['image', 'exists', image]).then(
    () => true,
    () => false,
  );
}

/** An image's own user (`USER`): numeric uid and gid where it says them. */
export interface ImageUser {
  readonly user?: number;
  readonly group?: number;
}

export async function imageUser(image: string): Promise<ImageUser> {
  const { stdout } = await podman(['image', 'inspect', '--format', '{{.Config.User}}', image]);
  const [user, group] = stdout.trim().split(':');
  const id = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  return { ...(id(user) !== undefined ? { user: id(user) } : {}), ...(id(group) !== undefined ? { group: id(group) } : {}) };
}

/**
 * The pod's and the container's securityContext merged (the container's wins), the image's user where neither names
 * one. Refuses, as a kubelet does, a container that must not run as root but would.
 */
export function containerSecurity(pod: V1Pod, container: V1Container, image: ImageUser): ContainerSecurity {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  const user = c.runAsUser ?? p.runAsUser ?? image.user;
  const group = c.runAsGroup ?? p.runAsGroup ?? image.group;
  const runAsNonRoot = c.runAsNonRoot ?? p.runAsNonRoot ?? false;
  if (runAsNonRoot && (user === undefined || user === 0)) {
    throw new Error(`container ${container.name}: runAsNonRoot is set but it would run as ${user === 0 ? 'root' : 'an unnamed user'}`);
  }
  const seccomp = c.seccompProfile?.type ?? p.seccompProfile?.type ?? 'RuntimeDefault';
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Unconfined')
    throw new Error(`container ${container.name}: seccompProfile ${seccomp} is not supported`);
  return {
    ...(user !== undefined ? { user } : {}),
    ...(group !== undefined ? { group } : {}),
    supplementalGroups: [...(p.fsGroup !== undefined ? [p.fsGroup] : []), ...(p.supplementalGroups ?? [])],
    runAsNonRoot,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem ?? false,
    noNewPrivileges: c.allowPrivilegeEscalation === false,
    dropCapabilities: c.capabilities?.drop ?? [],
    addCapabilities: c.capabilities?.add ?? [],
    seccomp,
  };
}

/** podman's arguments for the container, without the leading `podman`. */
export function podmanRunArgs(spec: ContainerRunSpec): string[] {
  const s = spec.security;
  const args = ['run', '--rm', '--name', spec.name, '--label', `${CLUSTER_LABEL}=${spec.clusterLabel}`, '--network', 'host'];
  args.push('--pull', 'never', '--env-file', spec.envFile, '--volume', `${spec.hostsFile}:/etc/hosts:ro`);
  for (const m of spec.mounts) args.push('--volume', `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`);
  if (s.user !== undefined) args.push('--user', s.group !== undefined ? `${s.user}:${s.group}` : String(s.user));
  for (const g of s.supplementalGroups) args.push('--group-add', String(g));
  if (s.readOnlyRootFilesystem) args.push('--read-only', '--read-only-tmpfs=false');
  if (s.noNewPrivileges) args.push('--security-opt', 'no-new-privileges');
  if (s.seccomp === 'Unconfined') args.push('--security-opt', 'seccomp=unconfined');
  for (const cap of s.dropCapabilities) args.push('--cap-drop', cap);
  for (const cap of s.addCapabilities) args.push('--cap-add', cap);
  if (spec.workingDir) args.push('--workdir', spec.workingDir);
  if (spec.command?.length) args.push('--entrypoint', JSON.stringify(spec.command.slice(0, 1)));
  args.push(spec.image, ...(spec.command?.slice(1) ?? []), ...(spec.args ?? []));
  return args;
}

/**
 * Starts the container; the returned process is podman's, which ends with the container and forwards signals. Its
 * stdout and stderr are the container's (and podman's own errors), piped for the pod's log (container-log.ts).
 */
export function startContainer(spec: ContainerRunSpec): ChildProcess {
  writeFileSync(spec.envFile, envFileText(spec.env), { mode: 0o600 });
  return spawn('podman', podmanRunArgs(spec), {
    env: { ...process.env, ...CONTAINERS_ENV },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Stops the container: SIGTERM, SIGKILL after `graceSeconds` (podman stop); podman run then returns. */
export async function stopContainer(name: string, graceSeconds: number): Promise<void> {
  await podman(['stop', '--time', String(Math.max(0, Math.round(graceSeconds))), name]).catch(() => undefined);
}

/**
 * Removes every container of the local cluster labelled `clusterLabel`, whatever state it is in. Synchronous, so an
 * exiting test process can call it too; it only runs when a cluster goes down.
 */
export function removeClusterContainers(clusterLabel: string): void {
  const run = (args: string[]) =>
    execFileSync('podman', args, { env: { ...process.env, ...CONTAINERS_ENV }, encoding: 'utf8', stdio: 'pipe' });
  try {
    const ids = run(['ps', '--all', '--quiet', '--filter', `label=${CLUSTER_LABEL}=${clusterLabel}`])
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) run(['rm', '--force', '--time', '0', ...ids]);
  } catch {
    // podman is absent or the containers are gone.
  }
}

/** podman's --env-file format: one KEY=value per line; a value cannot hold a line break there. */
function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new Error(`environment variable ${k}: a value with a line break cannot be passed to a container here`);
      return `${k}=${v}\n`;
    })
    .join('');
}
