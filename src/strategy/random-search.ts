import { proposeUnique } from './history.js';
import { HistoryStrategy } from './history-strategy.js';

/** Uniform sampling without repeats: the yardstick every other strategy must beat. */
export class RandomSearch extends HistoryStrategy {
  readonly name = 'random' as const;

  propose(n: number): number[][] {
    return proposeUnique(n, this.history, (m) => this.sample(m), this.space, this.rng, 1);
  }
}
