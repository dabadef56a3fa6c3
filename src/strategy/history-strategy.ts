import type { SearchSpace } from '../space/types.js';
import { Rng } from '../util/rng.js';
import { historyCheckpointSchema, parseCheckpoint } from './checkpoint-schema.js';
import { History } from './history.js';
import { IncumbentReevaluation } from './incumbent-reevaluation.js';
import type { Observation, Strategy, StrategyCheckpoint, StrategyName, StrategyStats } from './types.js';

/** A strategy whose whole state is its random stream and what it has seen (random search, evolution). */
export abstract class HistoryStrategy implements Strategy {
  abstract readonly name: StrategyName;
  protected rng: Rng;
  protected history = new History();
  private readonly reevaluation: IncumbentReevaluation;

  /** `incumbentEvaluations`: as the LSTM controller's option (IncumbentReevaluation); 1 never repeats one. */
  constructor(
    protected readonly space: SearchSpace,
    seed: number,
    incumbentEvaluations = 1,
  ) {
    this.rng = new Rng(seed);
    this.reevaluation = new IncumbentReevaluation(incumbentEvaluations);
  }

  reevaluate(n: number): number[][] {
    return this.reevaluation.next(n);
  }

  abstract propose(n: number): number[][];

  sample(n: number): number[][] {
    return Array.from({ length: n }, () => this.space.sample(this.rng));
  }

  observe(results: readonly Observation[]): void {
    for (const r of results) {
      const mean = this.reevaluation.record(r);
      if (mean === undefined) this.history.add(r);
      else this.history.revise(r.arch, mean);
    }
  }

  checkpoint(): StrategyCheckpoint {
    return { strategy: this.name, rng: this.rng.state(), history: this.history.toJSON(), reevaluation: this.reevaluation.toJSON() };
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const c = parseCheckpoint(historyCheckpointSchema, checkpoint, this.name);
    this.rng = new Rng(c.rng);
    this.history = History.fromJSON(c.history);
    if (c.reevaluation) this.reevaluation.restore(c.reevaluation);
  }

  /** No learned policy, so nothing to report. */
  stats(): StrategyStats {
    return {};
  }

  dispose(): void {}
}
