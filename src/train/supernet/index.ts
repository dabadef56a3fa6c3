export { Supernet, type SupernetBatch, type SupernetConfig, type TrainSharedResult } from './supernet.js';
export { WeightStore, type WeightInit } from './weights.js';
export { supernetFromBytes, supernetToBytes, type TensorEntry } from './bytes.js';
