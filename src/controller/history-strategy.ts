import type { SearchSpace } from '../space/types.js';
import { Rng } from '../util/rng.js';
import { historyCheckpointSchema, parseCheckpoint } from './checkpoint-schema.js';
import { History } from './history.js';
import type { Observation, Strategy, StrategyCheckpoint, StrategyName, StrategyStats } from './types.js';

/** A strategy whose whole state is its random stream and what it has seen (random search, evolution). */
export abstract class HistoryStrategy implements Strategy {
  abstract readonly name: StrategyName;
  protected rng: Rng;
  protected history = new History();

  constructor(
    protected readonly space: SearchSpace,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  abstract propose(n: number): number[][];

  sample(n: number): number[][] {
    return Array.from({ length: n }, () => this.space.sample(this.rng));
  }

  observe(results: readonly Observation[]): void {
    results.forEach((r) => this.history.add(r));
  }

  checkpoint(): StrategyCheckpoint {
    return { strategy: this.name, rng: this.rng.state(), history: this.history.toJSON() };
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const c = parseCheckpoint(historyCheckpointSchema, checkpoint, this.name);
    this.rng = new Rng(c.rng);
    this.history = History.fromJSON(c.history);
  }

  /** No learned policy, so nothing to report. */
  stats(): StrategyStats {
    return {};
  }

  dispose(): void {}
}
