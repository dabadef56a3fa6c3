import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterNetwork } from '../network.js';
import { PodRunner } from './pod-runner.js';

/**
 * The pod runner's process, started by LocalCluster.start with the cluster's folder: runs until SIGTERM, which ends
 * every pod process first.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: pod-runner/main.ts <cluster dir>');
const { server, octet, images } = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
  server: string;
  octet: number;
  images: boolean;
};
const kc = new KubeConfig();
kc.loadFromFile(join(dir, 'podRunner.kubeconfig'));
const network = clusterNetwork(octet);
const api = new URL(server);
const runner = new PodRunner({
  kc,
  isOurNode: () => true,
  dir,
  images,
  clusterLabel: dir,
  path: [join(dir, 'bin'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
  apiServer: { host: api.hostname, port: Number(api.port) },
  isClusterIp: (ip) => ip.startsWith(network.serviceCidr.replace(/0\/24$/, '')),
});
// A slip in one pod's handling must not take every pod of the cluster down with the runner.
process.on('uncaughtException', (e) => console.error(`pod runner: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => console.error(`pod runner: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
await runner.start();
console.log(`pod runner ready (pods' folders under ${join(dir, 'pods')})`);
process.once('SIGTERM', () => {
  void runner.stop().then(() => process.exit(0));
});
