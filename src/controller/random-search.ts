import { proposeUnique } from './history.js';
import { HistoryStrategy } from './history-strategy.js';

/** Uniform sampling without repeats: the yardstick every other strategy must beat. */
export class RandomSearch extends HistoryStrategy {
  readonly name = 'random' as const;

  propose(n: number): number[][] {
    const sample = () => this.space.sample(this.rng);
    return proposeUnique(n, this.history, (m) => Array.from({ length: m }, sample), this.space, this.rng, 1);
  }
}
