export type { Observation, Strategy, StrategyCheckpoint, StrategyName, StrategyStats, StrategyStatsRecord } from './types.js';
export { STRATEGY_NAMES } from './types.js';
export { createStrategy, isStrategyName, STRATEGY_OPTIONS } from './registry.js';
export { RandomSearch } from './random-search.js';
export { RegularizedEvolution, evolutionOptionsSchema } from './evolution.js';
export { LstmController, lstmControllerOptionsSchema } from './lstm-controller.js';
export { QLearning, qLearningOptionsSchema } from './q-learning.js';
