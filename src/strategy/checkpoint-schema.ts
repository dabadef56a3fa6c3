import { z } from 'zod';
import { ValidationError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { STRATEGY_NAMES, type StrategyCheckpoint } from './types.js';

/**
 * What each strategy's checkpoint holds, checked before it is restored: a checkpoint is read back from a store, or
 * sent by a controller to a supernet-trainer, and one that does not fit is a ValidationError naming the field
 * (`strategy.history.observations.3.reward`), never a TypeError in the middle of restoring it.
 */

export const uint32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const rngState = z.tuple([uint32, uint32, uint32, uint32]);
const observation = z.object({
  arch: z.array(z.number().int().min(0)),
  reward: z.number(),
  objectives: z.object({ accuracy: z.number(), latencyMs: z.number().optional() }).strict().optional(),
});
const history = z.object({ observations: z.array(observation), taken: z.array(z.string()) });
const numbersByName = z.record(z.string(), z.array(z.number()));

/** IncumbentReevaluation's state, where the strategy repeats evaluations of its incumbent. */
const reevaluation = z
  .object({
    noise: z.enum(['unknown', 'none', 'present']),
    evaluations: z.array(z.object({ arch: z.array(z.number().int().min(0)), count: z.number().int().min(1), sum: z.number() })),
  })
  .optional();

const base = z.object({ strategy: z.enum(STRATEGY_NAMES), rng: rngState, history, reevaluation });

/** random, evolution and nsga2: their draws and what they have seen. */
export const historyCheckpointSchema = base;

/** reinforce and ppo: the LSTM policy's weights, Adam's moments and the learning state. */
export const lstmCheckpointSchema = base.extend({
  rewards: z.array(z.number()),
  pending: z.array(observation),
  baseline: z.number().nullable(),
  entropy: z.number().nullable().optional(),
  policy: numbersByName,
  adam: z.object({ t: z.number().int().min(0), m: numbersByName, v: numbersByName }),
});

/** qlearning: the Q table. */
export const qLearningCheckpointSchema = base.extend({
  rewards: z.array(z.number()),
  q: numbersByName,
  entropy: z.number().nullable().optional(),
});

/** `checkpoint` checked against `schema` and against the strategy restoring it; errors name `strategy.<field>`. */
export function parseCheckpoint<T extends z.ZodType>(schema: T, checkpoint: StrategyCheckpoint, strategy: string): z.output<T> {
  const parsed = parseWith(schema, checkpoint, 'strategy') as z.output<T> & { strategy: string };
  if (parsed.strategy !== strategy)
    throw new ValidationError('strategy.strategy', `is ${parsed.strategy}, but it is restored into ${strategy}`);
  return parsed;
}
