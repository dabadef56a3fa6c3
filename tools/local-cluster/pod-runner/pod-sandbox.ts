import { type ChildProcess, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import type { Mount } from './pod-volumes.js';

export interface SandboxSpec {
  readonly command: readonly string[];
  readonly env: Record<string, string>;
  /** The pod's /etc/hosts (cluster-dns.ts): how its process resolves Service names. */
  readonly hostsFile: string;
  readonly mounts: readonly Mount[];
  readonly workingDir: string;
  /** The generated start script, kept beside the log for whoever debugs a pod. */
  readonly scriptFile: string;
}

/**
 * Starts a container's process in a mount namespace of its own, where its volumes are bind-mounted at their
 * mountPaths and /etc/hosts is the pod's, as a container runtime would give it; the network namespace stays the
 * host's (pods listen on their own loopback pod IPs). A missing mount point is created on the host, as an empty
 * folder or file, since a mount needs one. Root makes the namespace directly; anyone else through a user namespace.
 * The process leads its own process group, so a pod is stopped whole. Its stdout and stderr are piped, for the pod's
 * log (container-log.ts).
 */
export function startInSandbox(spec: SandboxSpec): ChildProcess {
  const lines = ['set -e', `mount --bind ${quote(spec.hostsFile)} /etc/hosts`];
  for (const m of spec.mounts) {
    const isDir = statSync(m.source).isDirectory();
    lines.push(
      isDir
        ? `mkdir -p ${quote(m.target)}`
        : `[ -e ${quote(m.target)} ] || { mkdir -p "$(dirname ${quote(m.target)})"; touch ${quote(m.target)}; }`,
    );
    lines.push(`mount --bind ${quote(m.source)} ${quote(m.target)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${quote(m.target)}`);
  }
  lines.push(`cd ${quote(spec.workingDir)}`, 'exec "$@"');
  writeFileSync(spec.scriptFile, `${lines.join('\n')}\n`);
  const namespaces = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  const child = spawn('unshare', [...namespaces, '--propagation', 'private', '/bin/sh', spec.scriptFile, ...spec.command], {
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return child;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
