import type { V1Job } from '@kubernetes/client-node';
import type { SearchSpec } from '../../../src/spec/search-spec.js';
import { childName, searchId } from '../names.js';
import type { NASSearch, OperatorConfig } from '../types.js';
import { componentLabels, natsArgs, ownedBy, workersOf, workerPodTemplate } from './worker-pod.js';

/** Pods a failing final stage gets before the search is marked Failed. */
export const FINAL_BACKOFF_LIMIT = 2;

/**
 * The final stage of a succeeded search as a Job: ENAS's derive step (weight sharing), retraining the best from
 * scratch, the baseline and the export, on the search's workers' resources (GPUs), storing the results where
 * `nasmesh results` finds them. A pod retried after a crash runs the stage again; once the results are stored, it
 * exits at once.
 */
export function desiredFinalTraining(nas: NASSearch, spec: SearchSpec, config: OperatorConfig): V1Job {
  const workers = workersOf(spec);
  const labels = componentLabels(nas, 'final-training');
  const args = ['final', searchId(nas), ...natsArgs(config, workers)];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: childName(nas, 'final-training'), namespace: nas.metadata.namespace!, labels, ownerReferences: ownedBy(nas) },
    spec: {
      backoffLimit: FINAL_BACKOFF_LIMIT,
      template: workerPodTemplate(nas, workers, config, 'final-training', { args, serves: false }, 'Never'),
    },
  };
}
