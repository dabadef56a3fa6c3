import type { V1Secret } from '@kubernetes/client-node';
import type { NASSearch } from '../types.js';
import { componentLabels, ownedBy, workerSecretName } from './worker-pod.js';

/** What workers need of the mesh Secret: their certificate, the CA, and NATS's password; nothing else. */
export const WORKER_SECRET_KEYS = ['tls.crt', 'tls.key', 'ca.crt', 'nats-password'] as const;

/**
 * The search's copy of the mesh Secret (the operator's `--worker-secret`), owned by the NASSearch so it goes with it:
 * pods mount only Secrets of their own namespace.
 */
export function desiredWorkerSecret(nas: NASSearch, source: Record<string, string>): V1Secret {
  const missing = WORKER_SECRET_KEYS.filter((k) => source[k] === undefined);
  if (missing.length > 0) throw new Error(`the workers' Secret lacks ${missing.join(', ')}`);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: workerSecretName(nas),
      namespace: nas.metadata.namespace!,
      labels: componentLabels(nas, 'mesh'),
      ownerReferences: ownedBy(nas),
    },
    type: 'Opaque',
    data: Object.fromEntries(WORKER_SECRET_KEYS.map((k) => [k, source[k]!])),
  };
}
