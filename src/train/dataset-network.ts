import type { Dataset } from '../data/types.js';
import type { NetworkConfig } from './types.js';

/** The network a spec's `network` describes, for the dataset's images and classes. */
export function datasetNetwork(
  data: Pick<Dataset, 'shape' | 'classes'>,
  network: Omit<NetworkConfig, 'inputShape' | 'classes'>,
): NetworkConfig {
  return { inputShape: data.shape, classes: data.classes, ...network };
}
