import type { LoadedDataset } from '../data/types.js';
import type { Observation, Strategy } from '../controller/types.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import type { SearchSpace } from '../space/types.js';
import { enasSearch } from '../train/supernet/enas-search.js';
import { saveSupernet } from '../train/supernet/checkpoint.js';
import { Supernet } from '../train/supernet/supernet.js';
import type { NetworkConfig } from '../train/types.js';
import { ValidationError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { endlessBatches } from './weight-sharing-batches.js';

export interface WeightSharingOptions {
  epochs: number;
  sharedStepsPerEpoch: number;
  controllerStepsPerEpoch: number;
  batchSize: number;
}

/**
 * ENAS: alternate shared-weight training on architectures sampled from the controller and controller training on
 * their shared-weight validation accuracy; `onEpoch` sees each epoch's rewarded architectures (after the
 * controller learned from them) and the epoch's mean shared-weight loss. The supernet is checkpointed into
 * `checkpointDir` after each epoch.
 */
export async function searchWithWeightSharing(
  space: SearchSpace,
  strategy: Strategy,
  data: LoadedDataset,
  network: NetworkConfig,
  options: WeightSharingOptions,
  rng: Rng,
  checkpointDir: string,
  onEpoch: (observations: readonly Observation[], sharedLoss: number) => void,
): Promise<Supernet> {
  if (space.name !== 'enas-micro') {
    throw new ValidationError('spec.evaluation.mode', `weight-sharing supports the enas-micro space only, not ${space.name}`);
  }
  const net = new Supernet(space as EnasMicroSpace, { ...network, seed: rng.nextUint32() });
  const trainBatch = endlessBatches(data.train, data, options.batchSize, rng, true);
  const validBatch = endlessBatches(data.validation, data, options.batchSize, rng, false);
  await enasSearch(
    net,
    strategy,
    { trainBatch, validBatch },
    {
      epochs: options.epochs,
      sharedSteps: options.sharedStepsPerEpoch,
      controllerSteps: options.controllerStepsPerEpoch,
      archsPerControllerStep: 1,
    },
    {
      onEpoch: async (stats) => {
        onEpoch(stats.observations, stats.sharedLoss);
        await saveSupernet(net, checkpointDir);
      },
    },
  );
  return net;
}
