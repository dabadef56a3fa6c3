import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { SearchSpec } from '../../../src/spec/search-spec.js';
import { childName } from '../names.js';
import type { NASSearch, OperatorConfig } from '../types.js';
import { componentLabels, ownedBy, workersOf, serveArgs, workerPodTemplate } from './worker-pod.js';

/**
 * A weight-sharing search's supernet-trainer: one pod (none once the search has ended) and the Service the
 * controller reaches it at. One replica: the shared weights are one model trained step by step.
 */
export function desiredSupernetTrainer(
  nas: NASSearch,
  spec: SearchSpec,
  config: OperatorConfig,
  running: boolean,
): [V1Deployment, V1Service] {
  const workers = workersOf(spec);
  const name = childName(nas, 'supernet-trainer');
  const labels = componentLabels(nas, 'supernet-trainer');
  const selector = { 'nasmesh.io/search': labels['nasmesh.io/search']!, 'nasmesh.io/component': 'supernet-trainer' };
  const metadata = { name, namespace: nas.metadata.namespace!, labels, ownerReferences: ownedBy(nas) };
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: running ? 1 : 0,
      // Never two trainers of one search at once, not even during a rollout.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: workerPodTemplate(
        nas,
        workers,
        config,
        'supernet-trainer',
        { args: [...serveArgs('supernet-trainer', config, workers), '--trusted-controller', config.controller], serves: true },
        'Always',
      ),
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { selector, ports: [{ name: 'grpc', port: config.ports.grpc, targetPort: 'grpc' }] },
  };
  return [deployment, service];
}

/** host:port the controller reaches the search's trainer at (CreateSearch's supernet_trainer). */
export function supernetTrainerAddress(nas: NASSearch, config: OperatorConfig): string {
  return `${childName(nas, 'supernet-trainer')}.${nas.metadata.namespace}.svc:${config.ports.grpc}`;
}
