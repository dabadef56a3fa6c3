import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { ValidationError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { evolutionOptionsSchema, RegularizedEvolution } from './evolution.js';
import { LstmController, lstmControllerOptionsSchema } from './lstm-controller.js';
import { Nsga2, nsga2OptionsSchema } from './nsga2.js';
import { QLearning, qLearningOptionsSchema } from './q-learning.js';
import { RandomSearch } from './random-search.js';
import { STRATEGY_NAMES, type Strategy, type StrategyName } from './types.js';

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/**
 * Builds a strategy from its name and options (the `spec.strategy` section of a search spec, less `name`);
 * unknown names and bad options are ValidationErrors naming the field.
 */
export function createStrategy(name: string, space: SearchSpace, options: unknown, seed: number, field = 'spec.strategy'): Strategy {
  if (!isStrategyName(name)) throw new ValidationError(`${field}.name`, `unknown strategy '${name}'`, STRATEGY_NAMES);
  const opts = options ?? {};
  switch (name) {
    case 'random':
      parseWith(STRATEGY_OPTIONS.random, opts, field);
      return new RandomSearch(space, seed);
    case 'evolution':
      return new RegularizedEvolution(space, parseWith(STRATEGY_OPTIONS.evolution, opts, field), seed);
    case 'nsga2':
      return new Nsga2(space, parseWith(STRATEGY_OPTIONS.nsga2, opts, field), seed);
    case 'reinforce':
    case 'ppo':
      return new LstmController(name, space, parseWith(STRATEGY_OPTIONS[name], opts, field), seed);
    case 'qlearning':
      return new QLearning(space, parseWith(STRATEGY_OPTIONS.qlearning, opts, field), seed);
  }
}

/** The options each strategy accepts (a search spec's `spec.strategy` less `name`). */
export const STRATEGY_OPTIONS = {
  random: z.object({}).strict(),
  evolution: evolutionOptionsSchema,
  nsga2: nsga2OptionsSchema,
  reinforce: lstmControllerOptionsSchema,
  ppo: lstmControllerOptionsSchema,
  qlearning: qLearningOptionsSchema,
} as const satisfies Record<StrategyName, z.ZodType>;
