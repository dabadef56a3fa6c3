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
    target: z.number().positive().describe("The budget in the metric's own unit (parameters, multiply-adds)."),
    weight: z
      .number()
      .max(0)
      .default(-0.07)
      .describe('The exponent above the target (≤ 0: exceeding the budget can only lower the reward).'),
  })
  .strict();

/**
 * How the latency of an mnas search is measured: median wall time of one inference run of `batchSize` images over
 * `repeats` timed runs. MnasNet measures single images (batch 1). Bounded as the latency-profiler bounds a request.
 */
const latencyMeasurementSchema = z
  .object({
    batchSize: z.number().int().positive().max(256).default(1).describe('Images per timed inference (MnasNet: 1).'),
    repeats: z.number().int().positive().max(1000).default(DEFAULT_REPEATS).describe('Timed runs; the latency is their median.'),
  })
  .strict()
  .describe('How latency is measured: the median wall time of one inference of the candidate network.');

/** Plain accuracy, as in the original NAS-RL and ENAS papers. */
const OBJECTIVE = "accuracy, or mnas: MnasNet's accuracy × (latency / targetLatencyMs)^w.";
const accuracyObjective = z.object({ objective: z.literal('accuracy').describe(OBJECTIVE) }).strict();

/**
 * MnasNet's ACC × (LAT/T)^w. `mode` picks the paper's exponent presets; an explicit `alpha` or `beta` overrides the
 * preset's value for that exponent only. Exponents are <= 0 so a slower model is never rewarded for being slower.
 */
const mnasObjective = z
  .object({
    objective: z.literal('mnas').describe(OBJECTIVE),
    targetLatencyMs: z.number().positive().describe('The latency target T in milliseconds.'),
    mode: z
      .enum(['soft', 'hard'])
      .default('soft')
      .describe("MnasNet's exponents: soft (α = β = −0.07) or hard (α = 0, β = −1: a network over T is penalised hard)."),
    alpha: z.number().max(0).optional().describe("The exponent at or under the target, overriding mode's."),
    beta: z.number().max(0).optional().describe("The exponent over the target, overriding mode's."),
    params: costTermSchema.optional().describe('A parameter budget, one more factor (params / target)^weight above it.'),
    flops: costTermSchema.optional().describe('A multiply-add budget, one more factor (flops / target)^weight above it.'),
    latency: latencyMeasurementSchema.optional(),
  })
  .strict();

/** The `spec.reward` section of a search spec. */
export const rewardSpecSchema = z
  .discriminatedUnion('objective', [accuracyObjective, mnasObjective])
  .describe("The reward: accuracy, or MnasNet's accuracy against measured latency.");

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
