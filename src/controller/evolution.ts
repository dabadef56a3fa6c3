import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { Rng, type RngState } from '../util/rng.js';
import { History, proposeUnique } from './history.js';
import type { Observation, Strategy, StrategyCheckpoint } from './types.js';

export const evolutionOptionsSchema = z
  .object({
    population: z.number().int().min(2).default(20),
    sampleSize: z.number().int().min(1).default(5),
  })
  .strict()
  .refine((o) => o.sampleSize <= o.population, { message: 'sampleSize must not exceed population', path: ['sampleSize'] });
export type EvolutionOptions = z.output<typeof evolutionOptionsSchema>;

/**
 * Regularized (aging) evolution, Real et al. 2019: the population is the most recent `population` results; a child
 * is a one-decision mutation of the best of `sampleSize` members drawn at random; the oldest member dies.
 */
export class RegularizedEvolution implements Strategy {
  readonly name = 'evolution' as const;
  private rng: Rng;
  private history = new History();

  constructor(
    private readonly space: SearchSpace,
    private readonly options: EvolutionOptions,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  propose(n: number): number[][] {
    const random = () => this.space.sample(this.rng);
    const population = this.history.observations.slice(-this.options.population);
    if (population.length < this.options.population) {
      return proposeUnique(n, this.history, (m) => Array.from({ length: m }, random), this.space, this.rng, 1);
    }
    const child = () => {
      const contenders = this.rng.sampleIndices(population.length, this.options.sampleSize).map((i) => population[i]!);
      const parent = contenders.reduce((a, b) => (b.reward > a.reward ? b : a));
      return this.space.mutate(parent.arch, this.rng);
    };
    return proposeUnique(n, this.history, (m) => Array.from({ length: m }, child), this.space, this.rng);
  }

  observe(results: readonly Observation[]): void {
    results.forEach((r) => this.history.add(r));
  }

  checkpoint(): StrategyCheckpoint {
    return { strategy: this.name, rng: this.rng.state(), history: this.history.toJSON() };
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const c = checkpoint as unknown as { rng: RngState; history: ReturnType<History['toJSON']> };
    this.rng = new Rng(c.rng);
    this.history = History.fromJSON(c.history);
  }

  dispose(): void {}
}
