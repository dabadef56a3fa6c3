import type { V1Deployment } from '@kubernetes/client-node';
import type { SearchSpec } from '../../../src/spec/search-spec.js';
import { childName, searchId } from '../names.js';
import type { NASSearch, OperatorConfig } from '../types.js';
import { componentLabels, ownedBy, workersOf, serveArgs, workerPodTemplate } from './worker-pod.js';

/**
 * The search's evaluators: `spec.workers.parallelism` pods (none once the search has ended) taking only this
 * search's jobs of its evaluation mode from the work queue.
 */
export function desiredEvaluators(nas: NASSearch, spec: SearchSpec, config: OperatorConfig, running: boolean): V1Deployment {
  const workers = workersOf(spec);
  const labels = componentLabels(nas, 'evaluator');
  const args = [...serveArgs('evaluator', config, workers), '--modes', spec.spec.evaluation.mode, '--search', searchId(nas)];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: childName(nas, 'evaluator'), namespace: nas.metadata.namespace!, labels, ownerReferences: ownedBy(nas) },
    spec: {
      replicas: running ? workers.parallelism : 0,
      selector: { matchLabels: { 'nasmesh.io/search': labels['nasmesh.io/search']!, 'nasmesh.io/component': 'evaluator' } },
      template: workerPodTemplate(nas, workers, config, 'evaluator', { args, serves: true }, 'Always'),
    },
  };
}
