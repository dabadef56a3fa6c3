export type {
  Augmentation,
  Batch,
  BatchOptions,
  ChannelStats,
  Dataset,
  DatasetName,
  LoadedDataset,
  Shape,
  Split,
} from './types.js';
export { DATASET_NAMES } from './types.js';
export { DatasetError } from './errors.js';
export { datasetSpecSchema, parseDatasetSpec, resolveAugment } from './spec.js';
export type { DatasetSpec, DatasetSpecInput } from './spec.js';
export { loadDataset, readDataset } from './load.js';
export type { LoadOptions } from './load.js';
export { datasetGeometry } from './geometry.js';
export { batches } from './batches.js';
export { channelStats } from './stats.js';
export { carveValidation, stratifiedIndices, takeSamples } from './split.js';
export { augmentSample, drawAugment } from './augment.js';
export type { AugmentDraw } from './augment.js';
export { encodeIdx, parseIdx } from './idx.js';
export { findIdxFiles, loadIdxDataset } from './idx-dataset.js';
export { loadMnist, mnistDataDir } from './mnist.js';
export { loadFashionMnist, convertFashionJson, FASHION_SPLIT_SEED } from './fashion-mnist.js';
export type { FashionMnistOptions } from './fashion-mnist.js';
export { loadCifar10, parseCifarBatch } from './cifar10.js';
