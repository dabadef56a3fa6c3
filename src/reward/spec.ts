import { z } from 'zod';
import { DEFAULT_REPEATS } from '../latency/request.js';
import { parseWith } from '../util/schema.js';

/**
 * An extra resource constraint (params or flops) folded into the MnasNet reward as one more factor
 * (value / target)^w with w = 0 when value <= target and w = weight above it, i.e. the "hard" shape of MnasNet's
 * latency term with a tunable slope. We chose a penalty-only shape (no bonus below the target) so that a secondary
 * budget never pulls the search away from the primary accuracy/latency trade-off once it is met.
 */
export const costTermSchema = z
  .object({
    /** Budget in the metric's own unit (parameter count, FLOPs). */
    target: z.number().positive(),
    /** Exponent applied above the target; <= 0 so exceeding the budget can only lower the reward. */
    weight: z.number().max(0).default(-0.07),
  })
  .strict();

/**
 * How the latency of an mnas search is measured: median wall time of one inference run of `batchSize` images over
 * `repeats` timed runs. MnasNet measures single images (batch 1). Bounded as the latency-profiler bounds a request.
 */
const latencyMeasurementSchema = z
  .object({
    batchSize: z.number().int().positive().max(256).default(1),
    repeats: z.number().int().positive().max(1000).default(DEFAULT_REPEATS),
  })
  .strict();

/** Plain accuracy, as in the original NAS-RL and ENAS papers. */
const accuracyObjective = z.object({ objective: z.literal('accuracy') }).strict();

/**
 * MnasNet's ACC × (LAT/T)^w. `mode` picks the paper's exponent presets; an explicit `alpha` or `beta` overrides the
 * preset's value for that exponent only. Exponents are <= 0 so a slower model is never rewarded for being slower.
 */
const mnasObjective = z
  .object({
    objective: z.literal('mnas'),
    targetLatencyMs: z.number().positive(),
    mode: z.enum(['soft', 'hard']).default('soft'),
    alpha: z.number().max(0).optional(),
    beta: z.number().max(0).optional(),
    params: costTermSchema.optional(),
    flops: costTermSchema.optional(),
    latency: latencyMeasurementSchema.optional(),
  })
  .strict();

/** The `spec.reward` section of a search spec. */
export const rewardSpecSchema = z.discriminatedUnion('objective', [accuracyObjective, mnasObjective]);

/** What a user may write (defaults may be left out). */
export type RewardSpecInput = z.input<typeof rewardSpecSchema>;
/** The validated spec, defaults filled in. */
export type RewardSpec = z.output<typeof rewardSpecSchema>;
export type CostTerm = z.output<typeof costTermSchema>;
export type LatencyMeasurement = z.output<typeof latencyMeasurementSchema>;

/** How a search with this reward must measure each candidate's latency; undefined when the reward does not use it. */
export function latencyMeasurement(reward: RewardSpec): LatencyMeasurement | undefined {
  return reward.objective === 'mnas' ? latencyMeasurementSchema.parse(reward.latency ?? {}) : undefined;
}

/**
 * Validates a reward spec; `field` is where it sits in the user's document so errors read e.g.
 * `spec.reward.mode: invalid value (allowed: soft, hard)`. A bare string is shorthand for `{ objective: string }`.
 */
export function parseRewardSpec(value: unknown, field = 'spec.reward'): RewardSpec {
  return parseWith(rewardSpecSchema, typeof value === 'string' ? { objective: value } : value, field);
}
