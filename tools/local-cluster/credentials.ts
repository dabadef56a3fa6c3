import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Who talks to the local API server, each with its own bearer token (kube-apiserver --token-auth-file). */
export const CLUSTER_USERS = {
  admin: { user: 'nasmesh-admin', groups: ['system:masters'] },
  controllerManager: { user: 'system:kube-controller-manager', groups: [] },
  scheduler: { user: 'system:kube-scheduler', groups: [] },
  // KWOK and the pod runner stand in for kubelets and the network; they act on every node and pod.
  kwok: { user: 'kwok', groups: ['system:masters'] },
  podRunner: { user: 'nasmesh-pod-runner', groups: ['system:masters'] },
} as const;

export type ClusterUser = keyof typeof CLUSTER_USERS;

export interface ClusterCredentials {
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  /** What KWOK's kubelet API serves on the nodes' address, for the API server's `kubectl logs` requests. */
  readonly kubeletCert: string;
  readonly kubeletKey: string;
  /** One RSA key signs service-account tokens (private) and checks them (public). */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly tokenFile: string;
  readonly tokens: Record<ClusterUser, string>;
}

/**
 * A CA, the API server's serving certificate (valid for 127.0.0.1, localhost and the in-cluster names of the
 * `kubernetes` Service, whose ClusterIP is `serviceIp`), the nodes' kubelet serving certificate (for `nodeIp`), the
 * service-account key and a token per user, in `dir`. The CA is what pods trust (kube-root-ca.crt), so in-cluster
 * clients verify the API server for real, and the API server verifies the kubelet API.
 */
export function createCredentials(dir: string, serviceIp: string, nodeIp: string): ClusterCredentials {
  const path = (name: string) => join(dir, name);
  const c = {
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    servingCert: path('apiserver.crt'),
    servingKey: path('apiserver.key'),
    kubeletCert: path('kubelet.crt'),
    kubeletKey: path('kubelet.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
    tokenFile: path('tokens.csv'),
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    c.caKey,
    '-out',
    c.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=nasmesh-local-ca',
  );
  const names = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  issueServingCert(dir, 'apiserver', 'kube-apiserver', [`IP:127.0.0.1`, `IP:${serviceIp}`, ...names.map((n) => `DNS:${n}`)], c);
  issueServingCert(dir, 'kubelet', 'kwok-kubelet', [`IP:${nodeIp}`], c);
  openssl('genrsa', '-out', c.serviceAccountKey, '2048');
  openssl('rsa', '-in', c.serviceAccountKey, '-pubout', '-out', c.serviceAccountPub);

  const tokens = Object.fromEntries(Object.keys(CLUSTER_USERS).map((u) => [u, randomBytes(24).toString('hex')])) as Record<
    ClusterUser,
    string
  >;
  const lines = Object.entries(CLUSTER_USERS).map(([key, { user, groups }]) => {
    const token = tokens[key as ClusterUser];
    return groups.length > 0 ? `${token},${user},${user},"${groups.join(',')}"` : `${token},${user},${user}`;
  });
  writeFileSync(c.tokenFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { ...c, tokens };
}

/** `<dir>/<name>.crt` and `.key`: a serving certificate for `altNames` (openssl's `IP:…`/`DNS:…`), signed by the CA. */
function issueServingCert(
  dir: string,
  name: string,
  commonName: string,
  altNames: readonly string[],
  ca: { caCert: string; caKey: string },
) {
  const path = (file: string) => join(dir, file);
  writeFileSync(
    path(`${name}.ext`),
    [`subjectAltName=${altNames.join(',')}`, 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'].join('\n'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path(`${name}.key`),
    '-out',
    path(`${name}.csr`),
    '-subj',
    `/CN=${commonName}`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    path(`${name}.csr`),
    '-CA',
    ca.caCert,
    '-CAkey',
    ca.caKey,
    '-CAcreateserial',
    '-out',
    path(`${name}.crt`),
    '-days',
    '3650',
    '-extfile',
    path(`${name}.ext`),
  );
}

/** A kubeconfig for `user` at `server`, trusting the cluster's CA. */
export function writeKubeconfig(file: string, server: string, caCert: string, user: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'nasmesh-local', cluster: { server, 'certificate-authority': caCert } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'nasmesh-local', context: { cluster: 'nasmesh-local', user, namespace: 'default' } }],
    'current-context': 'nasmesh-local',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}
