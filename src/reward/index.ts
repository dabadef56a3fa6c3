export type { CostMetric, Metrics, MnasExponents, RewardFunction } from './types.js';
export { MNAS_MODES, mnasReward } from './mnas.js';
export type { MnasMode } from './mnas.js';
export { costTermSchema, parseRewardSpec, rewardSpecSchema } from './spec.js';
export type { CostTerm, RewardSpec, RewardSpecInput } from './spec.js';
export { createReward } from './reward-function.js';
export { PARETO_COSTS, ParetoFront } from './pareto.js';
export type { ParetoCost, ParetoEntry, ParetoFrontJson } from './pareto.js';
