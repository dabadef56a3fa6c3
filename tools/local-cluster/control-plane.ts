import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { stringify } from 'yaml';
import { join } from 'node:path';
import type { ClusterBinaries } from './cluster-tools.js';
import { type ClusterCredentials, type ClusterUser, CLUSTER_USERS, writeKubeconfig } from './credentials.js';
import { type ClusterNetwork, freePort } from './network.js';
import { startDaemon, waitUntil } from './processes.js';

/** The API server's audit log: one JSON event per call of a service account outside kube-system. */
export function auditLog(dir: string): string {
  return join(dir, 'logs', 'audit.log');
}

/** The processes of a running control plane, by name, in the order they were started. */
export type ControlPlanePids = Record<string, number>;

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** A kubeconfig per user (credentials.ts CLUSTER_USERS). */
  readonly kubeconfigs: Record<ClusterUser, string>;
  readonly pids: ControlPlanePids;
}

/**
 * Starts etcd, kube-apiserver (serving certificate from our CA, token auth, RBAC), kube-controller-manager
 * (garbage collection, Deployments, ReplicaSets, StatefulSets, Jobs, service-account tokens) and kube-scheduler, as
 * Kubernetes' own local-cluster scripts and controller-runtime's envtest run them; resolves once the API server is
 * ready. Their logs are `<dir>/logs/<name>.log`.
 */
export async function startControlPlane(
  dir: string,
  bin: ClusterBinaries,
  network: ClusterNetwork,
  credentials: ClusterCredentials,
): Promise<ControlPlane> {
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = (name: string) => join(logs, `${name}.log`);
  const pids: ControlPlanePids = {};
  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  pids.etcd = await startDaemon(
    bin.etcd,
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `default=${peerUrl}`,
      // A throw-away test cluster: durability is not worth an fsync per write on a shared disk.
      '--unsafe-no-fsync',
    ],
    log('etcd'),
  );

  // Every call a workload's service account makes (not the control plane's own), for checks such as the operator's
  // RBAC against the calls it really makes.
  const auditPolicy = join(dir, 'audit-policy.yaml');
  writeFileSync(
    auditPolicy,
    stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [
        { level: 'None', userGroups: ['system:serviceaccounts:kube-system'] },
        { level: 'Metadata', userGroups: ['system:serviceaccounts'] },
        { level: 'None' },
      ],
    }),
  );
  const server = `https://127.0.0.1:${apiPort}`;
  pids['kube-apiserver'] = await startDaemon(
    bin.kubeApiserver,
    [
      '--etcd-servers',
      etcdUrl,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(apiPort),
      '--advertise-address',
      '127.0.0.1',
      // The endpoint reconciler refuses a loopback address; pods reach the API server through the pod runner's
      // KUBERNETES_SERVICE_HOST instead of the `kubernetes` Service's endpoints.
      '--endpoint-reconciler-type',
      'none',
      '--tls-cert-file',
      credentials.servingCert,
      '--tls-private-key-file',
      credentials.servingKey,
      '--client-ca-file',
      credentials.caCert,
      '--token-auth-file',
      credentials.tokenFile,
      '--authorization-mode',
      'Node,RBAC',
      '--service-account-issuer',
      'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file',
      credentials.serviceAccountPub,
      '--service-account-signing-key-file',
      credentials.serviceAccountKey,
      '--service-cluster-ip-range',
      network.serviceCidr,
      '--allow-privileged=true',
      // `kubectl logs` goes through the API server to KWOK's kubelet API on the nodes' InternalIP (their Hostname
      // resolves nowhere), whose certificate it verifies.
      '--kubelet-preferred-address-types',
      'InternalIP',
      '--kubelet-certificate-authority',
      credentials.caCert,
      '--audit-policy-file',
      auditPolicy,
      '--audit-log-path',
      auditLog(dir),
      '--audit-log-format',
      'json',
    ],
    log('kube-apiserver'),
  );

  const kubeconfigs = Object.fromEntries(
    (Object.keys(CLUSTER_USERS) as ClusterUser[]).map((user) => {
      const file = join(dir, `${user}.kubeconfig`);
      writeKubeconfig(file, server, credentials.caCert, CLUSTER_USERS[user].user, credentials.tokens[user]);
      return [user, file];
    }),
  ) as Record<ClusterUser, string>;

  const ca = readFileSync(credentials.caCert);
  await waitUntil(
    'kube-apiserver /readyz',
    async () => (await httpsGet(`${server}/readyz`, credentials.tokens.admin, ca)) === 200,
    120_000,
  );

  const component = (user: ClusterUser) => [
    '--kubeconfig',
    kubeconfigs[user],
    '--authentication-kubeconfig',
    kubeconfigs[user],
    '--authorization-kubeconfig',
    kubeconfigs[user],
    '--leader-elect=false',
    // No serving port: several clusters run side by side, and nothing here scrapes them.
    '--secure-port',
    '0',
  ];
  pids['kube-controller-manager'] = await startDaemon(
    bin.kubeControllerManager,
    [
      ...component('controllerManager'),
      '--service-account-private-key-file',
      credentials.serviceAccountKey,
      '--root-ca-file',
      credentials.caCert,
      '--use-service-account-credentials',
      // The API server refuses loopback addresses in Endpoints and EndpointSlices (every update a FailedToUpdateEndpoint
      // warning event), and pod IPs here are loopback ones: the pod runner's service proxy finds Services' endpoints
      // from the pods themselves instead.
      '--controllers',
      '*,-endpoint,-endpointslice,-endpointslicemirroring',
      '--cluster-signing-cert-file',
      credentials.caCert,
      '--cluster-signing-key-file',
      credentials.caKey,
    ],
    log('kube-controller-manager'),
  );
  pids['kube-scheduler'] = await startDaemon(bin.kubeScheduler, component('scheduler'), log('kube-scheduler'));
  writeFileSync(join(dir, 'server'), server);
  return { server, kubeconfigs, pids };
}

/** Status code of a GET with a bearer token, trusting `ca`. */
function httpsGet(url: string, token: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.setTimeout(2_000, () => request.destroy(new Error('timeout')));
  });
}
