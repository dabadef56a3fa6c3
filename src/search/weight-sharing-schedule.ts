import type { StrategyCheckpoint } from '../strategy/types.js';
import type { LoadedDataset } from '../data/types.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { Supernet } from '../train/supernet/supernet.js';
import { ValidationError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { endlessBatches } from './weight-sharing-batches.js';
import { type SharedEpochResult, type SharedStepListener, trainSharedEpoch } from './weight-sharing-epoch.js';

export type WeightSharingEvaluation = Extract<SearchSpec['spec']['evaluation'], { mode: 'weight-sharing' }>;
export type WeightSharingSpec = SearchSpec['spec'] & { readonly evaluation: WeightSharingEvaluation };

/** `spec` narrowed to weight-sharing evaluation; a ValidationError naming the field otherwise. */
export function weightSharingSpec(spec: SearchSpec['spec']): WeightSharingSpec {
  if (spec.evaluation.mode !== 'weight-sharing') {
    throw new ValidationError('spec.evaluation.mode', `is ${spec.evaluation.mode}, not weight-sharing`, ['weight-sharing']);
  }
  return spec as WeightSharingSpec;
}

/*
 * ENAS's alternation, as the session, the supernet trainer and the evaluators all number it. Epoch e (from 1) trains
 * the shared weights for sharedStepsPerEpoch steps on architectures drawn from the policy after the controller's
 * first (e-1)·C updates (C = controllerStepsPerEpoch), then the controller proposes candidates (e-1)·C … e·C-1, one
 * per update, each scored with the weights after epoch e; epochs up to `uniformEpochs` draw their training
 * architectures uniformly instead. Every party derives the same numbers from the spec, so the mesh runs exactly the
 * embedded search whoever trains or scores.
 */

/** Candidates of a weight-sharing search: one per controller step. */
export function weightSharingCandidates(evaluation: WeightSharingEvaluation): number {
  return evaluation.epochs * evaluation.controllerStepsPerEpoch;
}

/** The epoch whose shared weights score candidate `index`. */
export function epochOfCandidate(evaluation: WeightSharingEvaluation, index: number): number {
  return Math.floor(index / evaluation.controllerStepsPerEpoch) + 1;
}

/** The policy version (updates so far) epoch `epoch` draws its training architectures from. */
export function epochPolicyVersion(evaluation: WeightSharingEvaluation, epoch: number): number {
  return (epoch - 1) * evaluation.controllerStepsPerEpoch;
}

/** Blob name (SearchStore.putBlob) of the shared weights after `epoch`: the checkpoint jobs and events name. */
export function checkpointBlobName(epoch: number): string {
  return `supernet/${epoch}`;
}

/** The supernet before any training, drawn from the search's seed (the same in every process). */
export function initialSupernet(space: EnasMicroSpace, data: LoadedDataset, spec: SearchSpec['spec']): Supernet {
  const rng = new Rng(spec.seed);
  rng.nextUint32(); // the strategy's seed
  return new Supernet(space, { inputShape: data.shape, classes: data.classes, ...spec.network, seed: rng.nextUint32() });
}

/**
 * Trains `net` through epoch `epoch` with the policy `policy` (at version epochPolicyVersion(epoch)). Minibatches
 * and draws are seeded by the search's seed and the epoch alone, so an epoch trained again after a restart, or by
 * another trainer, gives the same weights.
 */
export function trainEpoch(
  net: Supernet,
  spec: WeightSharingSpec,
  data: LoadedDataset,
  epoch: number,
  policy: StrategyCheckpoint,
  signal?: AbortSignal,
  onStep?: SharedStepListener,
): Promise<SharedEpochResult> {
  const rng = new Rng((Math.imul(spec.seed, 0x85ebca6b) + epoch) >>> 0);
  const trainBatch = endlessBatches(data.train, data, spec.evaluation.batchSize, rng, true);
  const snapshot = { spec: spec.strategy, checkpoint: policy };
  const sampling = epoch <= spec.evaluation.uniformEpochs ? 'uniform' : 'policy';
  return trainSharedEpoch(net, snapshot, trainBatch, spec.evaluation.sharedStepsPerEpoch, rng, signal, onStep, sampling);
}
