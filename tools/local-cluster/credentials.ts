import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

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
  /** One RSA key signs service-account tokens (private) and checks them (public). */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly tokenFile: string;
  readonly tokens: Record<ClusterUser, string>;
}

/**
 * A CA, the API server's serving certificate (valid for 127.0.0.1, localhost and the in-cluster names of the
 * `kubernetes` Service, whose ClusterIP is `serviceIp`), the service-account key and a token per user, in `dir`.
 * The CA is what pods trust (kube-root-ca.crt), so in-cluster clients verify the API server for real.
 */
export function createCredentials(dir: string, serviceIp: string): ClusterCredentials {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const c = {
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    servingCert: path('apiserver.crt'),
    servingKey: path('apiserver.key'),
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
  const extensions = path('apiserver.ext');
  writeFileSync(
    extensions,
    [
      `subjectAltName=IP:127.0.0.1,IP:${serviceIp},${names.map((n) => `DNS:${n}`).join(',')}`,
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  );
  const csr = path('apiserver.csr');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', c.servingKey, '-out', csr, '-subj', '/CN=kube-apiserver');
  openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    c.caCert,
    '-CAkey',
    c.caKey,
    '-CAcreateserial',
    '-out',
    c.servingCert,
    '-days',
    '3650',
    '-extfile',
    extensions,
  );
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
