import { MNAS_MODES, mnasExponent, mnasReward } from './mnas.js';
import { requireMetric } from './metrics.js';
import { parseRewardSpec, type CostTerm, type RewardSpecInput } from './spec.js';
import type { CostMetric, Metrics, RewardFunction } from './types.js';

/** One optional resource factor (value / target)^w, w = 0 at or below target (see costTermSchema). */
function costFactor(metrics: Metrics, name: CostMetric, term: CostTerm, neededBy: string): number {
  const value = requireMetric(metrics, name, neededBy);
  return (value / term.target) ** mnasExponent(value, term.target, 0, term.weight);
}

/**
 * Builds the reward function for a `spec.reward` section (validated here, so errors name `field`). The returned
 * function throws a ValidationError naming the metric, e.g. `metrics.latencyMs: is required by objective mnas`,
 * when a metric the objective needs is missing or not a usable number.
 */
export function createReward(spec: RewardSpecInput | string, field = 'spec.reward'): RewardFunction {
  const parsed = parseRewardSpec(spec, field);
  const neededBy = `objective ${parsed.objective}`;
  switch (parsed.objective) {
    case 'accuracy':
      return (metrics) => requireMetric(metrics, 'accuracy', neededBy);
    case 'mnas': {
      const alpha = parsed.alpha ?? MNAS_MODES[parsed.mode].alpha;
      const beta = parsed.beta ?? MNAS_MODES[parsed.mode].beta;
      const { targetLatencyMs: target, params, flops } = parsed;
      return (metrics) => {
        const accuracy = requireMetric(metrics, 'accuracy', neededBy);
        const latency = requireMetric(metrics, 'latencyMs', neededBy);
        let reward = mnasReward(accuracy, latency, target, alpha, beta);
        if (params) reward *= costFactor(metrics, 'params', params, `${field}.params`);
        if (flops) reward *= costFactor(metrics, 'flops', flops, `${field}.flops`);
        return reward;
      };
    }
  }
}
