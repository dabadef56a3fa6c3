import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { LocalCluster } from './local-cluster.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The benchmark tables the examples read (../shared/benchmarks), offered to searches as a volume claim. */
const BENCHMARKS = resolve(REPO, '../shared/benchmarks');

/**
 * Installs nasmesh on the local cluster as a platform team would on theirs: the CRD (deploy/crds/), then the
 * services and the operator with its RBAC (deploy/manifests/), and waits until every one is ready. The volumes a
 * storage class would provide elsewhere are pre-made as hostPath PersistentVolumes in the cluster's folder: NATS's
 * data, and `nasmesh-benchmarks` (the NB201 table) for the benchmark example. Resolves with the controller's address.
 */
export async function installNasmesh(cluster: LocalCluster, log: (line: string) => void = () => {}): Promise<string> {
  const natsData = join(cluster.dir, 'volumes', 'nats');
  mkdirSync(natsData, { recursive: true });
  const volumes: object[] = [hostPathVolume('nasmesh-nats-data', natsData, 'ReadWriteOnce', { namespace: 'nasmesh-system', name: 'data-nasmesh-nats-0' })];
  if (existsSync(BENCHMARKS)) {
    volumes.push(
      hostPathVolume('nasmesh-benchmarks', BENCHMARKS, 'ReadOnlyMany', { namespace: 'default', name: 'nasmesh-benchmarks' }),
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'nasmesh-benchmarks', namespace: 'default' },
        spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', volumeName: 'nasmesh-benchmarks', resources: { requests: { storage: '1Gi' } } },
      },
    );
  }
  await cluster.kubectl(['apply', '-f', '-'], volumes.map((v) => stringify(v)).join('---\n'));
  await cluster.kubectl(['apply', '--server-side', '-f', join(REPO, 'deploy/crds')]);
  await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/nassearches.nasmesh.io']);
  await cluster.kubectl(['apply', '--server-side', '-f', join(REPO, 'deploy/manifests')]);
  log('installed the NASSearch CRD and nasmesh (deploy/manifests); waiting for its pods');
  for (const workload of ['statefulset/nasmesh-nats', 'deployment/nasmesh-controller', 'deployment/nasmesh-latency-profiler', 'deployment/nasmesh-operator']) {
    await cluster.kubectl(['rollout', 'status', '-n', 'nasmesh-system', '--timeout=300s', workload]);
  }
  const ip = (await cluster.kubectl(['get', 'service', '-n', 'nasmesh-system', 'nasmesh-controller', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  return `${ip}:50051`;
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
