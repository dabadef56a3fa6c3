export { Supernet, type SupernetBatch, type SupernetConfig, type TrainSharedResult } from './supernet.js';
export { WeightStore, type WeightInit } from './weights.js';
export { loadSupernet, saveSupernet, SUPERNET_MANIFEST, type SupernetManifest, type TensorEntry } from './checkpoint.js';
export {
  derive,
  enasSearch,
  type DerivedArchitecture,
  type EnasDataSource,
  type EnasEpochStats,
  type EnasSearchHooks,
  type EnasSearchOptions,
} from './enas-search.js';
