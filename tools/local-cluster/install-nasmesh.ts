import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { LocalCluster } from './local-cluster.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The benchmark tables the examples read (bench/tables), offered to searches as a volume claim. */
const BENCHMARKS = resolve(REPO, 'bench/tables');

/**
 * Installs nasmesh on the local cluster as a platform team would on theirs: `helm install` of the chart with
 * values-local.yaml, waiting until every pod is ready. The volumes a storage class would provide elsewhere are
 * pre-made as hostPath PersistentVolumes in the cluster's folder: NATS's data, and `nasmesh-benchmarks` (the NB201
 * table) for the benchmark example. Resolves with the controller's address and a user's credentials.
 */
export async function installNasmesh(cluster: LocalCluster, log: (line: string) => void = () => {}): Promise<ControllerAccess> {
  const natsData = join(cluster.dir, 'volumes', 'nats');
  mkdirSync(natsData, { recursive: true });
  const volumes: object[] = [
    hostPathVolume('nasmesh-nats-data', natsData, 'ReadWriteOnce', { namespace: 'nasmesh-system', name: 'data-nasmesh-nats-0' }),
  ];
  if (existsSync(BENCHMARKS)) {
    volumes.push(hostPathVolume('nasmesh-benchmarks', BENCHMARKS, 'ReadOnlyMany', { namespace: 'default', name: 'nasmesh-benchmarks' }), {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'nasmesh-benchmarks', namespace: 'default' },
      spec: {
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        volumeName: 'nasmesh-benchmarks',
        resources: { requests: { storage: '1Gi' } },
      },
    });
  }
  await cluster.kubectl(['apply', '-f', '-'], volumes.map((v) => stringify(v)).join('---\n'));
  // What a platform team runs: the chart (its CRD included), with the local cluster's values.
  await cluster.helm([
    'install',
    'nasmesh',
    join(REPO, 'helm/nasmesh'),
    '--namespace',
    'nasmesh-system',
    '--create-namespace',
    '--values',
    join(REPO, 'helm/nasmesh/values-local.yaml'),
    '--wait',
    '--timeout',
    '5m',
  ]);
  log('installed nasmesh with helm (helm/nasmesh, values-local.yaml): CRD, NATS, controller, latency-profiler, operator');
  const ip = (
    await cluster.kubectl(['get', 'service', '-n', 'nasmesh-system', 'nasmesh-controller', '-o', 'jsonpath={.spec.clusterIP}'])
  ).trim();
  return { address: `${ip}:50051`, ...(await userCredentials(cluster)) };
}

/** What a user of the controller needs, from the chart's mesh Secret: where they are and the CLI's environment. */
export interface ControllerAccess {
  /** ClusterIP:port: this machine reaches it through the pod runner's service proxy. */
  readonly address: string;
  /** The CA its certificate chains to. */
  readonly caFile: string;
  /** The administrators' bearer token. */
  readonly tokenFile: string;
  /** The name its certificate carries (it is dialed by ClusterIP, which no certificate lists). */
  readonly serverName: string;
}

async function userCredentials(cluster: LocalCluster): Promise<Omit<ControllerAccess, 'address'>> {
  const read = async (key: string) =>
    Buffer.from(
      await cluster.kubectl(['get', 'secret', '-n', 'nasmesh-system', 'nasmesh-mesh', '-o', `jsonpath={.data.${key.replace('.', '\\.')}}`]),
      'base64',
    );
  const caFile = join(cluster.dir, 'nasmesh-ca.crt');
  const tokenFile = join(cluster.dir, 'nasmesh-admin-token');
  writeFileSync(caFile, await read('ca.crt'));
  writeFileSync(tokenFile, await read('admin-token'), { mode: 0o600 });
  return { caFile, tokenFile, serverName: 'nasmesh-mesh' };
}

/** The CLI's environment for the controller (`nasmesh status`, `results`, ...). */
export function controllerEnv(access: ControllerAccess): Record<string, string> {
  return {
    NASMESH_CONTROLLER: access.address,
    NASMESH_TLS_CA: access.caFile,
    NASMESH_TOKEN_FILE: access.tokenFile,
    NASMESH_TLS_SERVER_NAME: access.serverName,
  };
}

function hostPathVolume(name: string, path: string, accessMode: string, claim: { namespace: string; name: string }): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: [accessMode],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      claimRef: claim,
      hostPath: { path, type: 'Directory' },
    },
  };
}
