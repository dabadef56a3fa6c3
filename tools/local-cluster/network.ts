import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The local cluster's addresses, all inside 127.0.0.0/8, which Linux routes to the loopback interface without any
 * set-up: each pod's process listens on its own pod IP (nodes' podCIDRs), and the pod runner's service proxy listens
 * on each Service's ClusterIP. A cluster takes one second octet, so several clusters (a contributor's and a test
 * run's) can run at once without sharing an address.
 */
export interface ClusterNetwork {
  readonly octet: number;
  /** kube-apiserver --service-cluster-ip-range. */
  readonly serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP (the range's first address). */
  readonly kubernetesServiceIp: string;
  /** The fake nodes' InternalIP (pods' hostIP). */
  readonly nodeIp: string;
}

export function clusterNetwork(octet: number): ClusterNetwork {
  return {
    octet,
    serviceCidr: `127.${octet}.0.0/24`,
    kubernetesServiceIp: `127.${octet}.0.1`,
    nodeIp: `127.${octet}.255.1`,
  };
}

/** The podCIDR of the cluster's `index`-th node (0-based): a /24 per node, as kube-controller-manager's IPAM gives. */
export function podCidr(network: ClusterNetwork, index: number): string {
  return `127.${network.octet}.${index + 1}.0/24`;
}

const lockFile = (octet: number) => join(tmpdir(), `nasmesh-local-cluster-127.${octet}.lock`);

/**
 * Takes the first free octet from `first` on for the cluster in `dir`, by creating a lock file naming it. A lock is
 * stale, and taken over, when its cluster's folder no longer holds a running cluster (`isAlive`).
 */
export function reserveNetwork(dir: string, first: number, isAlive: (dir: string) => boolean): ClusterNetwork {
  for (let octet = first; octet < 250; octet++) {
    const file = lockFile(octet);
    if (existsSync(file)) {
      const owner = readFileSync(file, 'utf8').trim();
      if (owner === dir || !isAlive(owner)) rmSync(file, { force: true });
      else continue;
    }
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, dir);
      closeSync(fd);
      return clusterNetwork(octet);
    } catch {
      // Another cluster took it between the check and the create: try the next.
    }
  }
  throw new Error('no free 127.x.0.0/16 range for a local cluster (too many running?)');
}

export function releaseNetwork(network: ClusterNetwork, dir: string): void {
  const file = lockFile(network.octet);
  if (existsSync(file) && readFileSync(file, 'utf8').trim() === dir) rmSync(file, { force: true });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
