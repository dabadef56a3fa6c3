import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { proposeUnique } from './history.js';
import { HistoryStrategy } from './history-strategy.js';

export const evolutionOptionsSchema = z
  .object({
    population: z.number().int().min(2).default(20).describe('Regularized evolution: the most recent results kept as the population.'),
    sampleSize: z.number().int().min(1).default(5).describe('Regularized evolution: members drawn per tournament; the best is mutated.'),
    incumbentEvaluations: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("Evaluations of the incumbent where the reward is noisy, as for reinforce; 1 (the paper's) never repeats one."),
  })
  .strict()
  .refine((o) => o.sampleSize <= o.population, { message: 'sampleSize must not exceed population', path: ['sampleSize'] });
export type EvolutionOptions = z.output<typeof evolutionOptionsSchema>;

/**
 * Regularized (aging) evolution, Real et al. 2019: the population is the most recent `population` results; a child
 * is a one-decision mutation of the best of `sampleSize` members drawn at random; the oldest member dies.
 */
export class RegularizedEvolution extends HistoryStrategy {
  readonly name = 'evolution' as const;

  constructor(
    space: SearchSpace,
    private readonly options: EvolutionOptions,
    seed: number,
  ) {
    super(space, seed, options.incumbentEvaluations);
  }

  propose(n: number): number[][] {
    const full = this.history.observations.length >= this.options.population;
    return proposeUnique(n, this.history, (m) => this.sample(m), this.space, this.rng, full ? 8 : 1);
  }

  /** Children of tournament winners once the population is full, uniform samples before. */
  override sample(n: number): number[][] {
    const population = this.history.observations.slice(-this.options.population);
    if (population.length < this.options.population) return super.sample(n);
    return Array.from({ length: n }, () => {
      const contenders = this.rng.sampleIndices(population.length, this.options.sampleSize).map((i) => population[i]!);
      const parent = contenders.reduce((a, b) => (b.reward > a.reward ? b : a));
      return this.space.mutate(parent.arch, this.rng);
    });
  }
}
