import type { SearchSpace } from '../space/types.js';
import { Rng, type RngState } from '../util/rng.js';
import { History, proposeUnique } from './history.js';
import type { Observation, Strategy, StrategyCheckpoint } from './types.js';

/** Uniform sampling without repeats: the yardstick every other strategy must beat. */
export class RandomSearch implements Strategy {
  readonly name = 'random' as const;
  private rng: Rng;
  private history = new History();

  constructor(
    private readonly space: SearchSpace,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  propose(n: number): number[][] {
    const sample = () => this.space.sample(this.rng);
    return proposeUnique(n, this.history, (m) => Array.from({ length: m }, sample), this.space, this.rng, 1);
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
