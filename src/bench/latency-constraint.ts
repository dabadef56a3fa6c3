import { MNAS_MODES, mnasReward } from '../reward/mnas.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import { type AccuracyLatency, hypervolume } from './hypervolume.js';
import { BenchmarkTable, BenchmarkTableError } from './table.js';
import type { BenchProtocol, LatencyConstraintConfig } from './types.js';

/** What the strategies are rewarded with under a latency constraint. */
export const CONSTRAINED_REWARDS = ['accuracy', 'mnas'] as const;
export type ConstrainedReward = (typeof CONSTRAINED_REWARDS)[number];

/**
 * A latency constraint resolved against its tables (MnasNet's target T): which architectures are feasible, the
 * reward the strategies see, and the yardsticks a search is judged by (the best feasible report value, the
 * hypervolume of the accuracy–latency front).
 */
export class LatencyConstraint {
  /** Milliseconds. */
  readonly target: number;
  /** The hypervolume's reference point: the table's median accuracy and its worst latency. */
  readonly reference: AccuracyLatency;
  /** The hypervolume of the whole table's front. */
  readonly tableHypervolume: number;
  /** The report column of the feasible architecture with the best reward column: what a perfect constrained search reports. */
  readonly constrainedOptimum: number;

  constructor(
    readonly config: LatencyConstraintConfig,
    private readonly accuracies: BenchmarkTable,
    private readonly latencies: BenchmarkTable,
    private readonly protocol: BenchProtocol,
  ) {
    const rows = [...accuracies.entries()].map(([arch]) => ({
      accuracy: accuracies.value(arch, protocol.reportColumn),
      reward: accuracies.value(arch, protocol.rewardColumn),
      latency: this.latency(arch),
    }));
    if (config.reward === 'mnas' && rows.some((r) => !(r.latency > 0))) {
      throw new BenchmarkTableError(`${config.table}: column '${config.column}' has a latency of 0, which MnasNet's reward cannot take`);
    }
    this.target =
      typeof config.target === 'number'
        ? config.target
        : percentile(
            rows.map((r) => r.latency),
            config.target.percentile,
          );
    // The median accuracy, not the worst: from the worst (a cell that does not train) nearly every front covers
    // nearly all the area, and the ratio would tell searches apart in its third decimal only.
    this.reference = {
      accuracy: percentile(
        rows.map((r) => r.accuracy),
        50,
      ),
      latency: Math.max(...rows.map((r) => r.latency)),
    };
    this.tableHypervolume = hypervolume(rows, this.reference);
    const feasible = rows.filter((r) => r.latency <= this.target);
    this.constrainedOptimum = feasible.reduce((a, b) => (b.reward > a.reward ? b : a), feasible[0]!).accuracy;
  }

  /** Reads the latency table; every architecture of the accuracy table must have a row there. */
  static load(config: LatencyConstraintConfig, space: SearchSpace, accuracies: BenchmarkTable, protocol: BenchProtocol): LatencyConstraint {
    return new LatencyConstraint(config, accuracies, BenchmarkTable.load(config.table, space, [config.column]), protocol);
  }

  latency(arch: Architecture): number {
    return this.latencies.value(arch, this.config.column);
  }

  feasible(arch: Architecture): boolean {
    return this.latency(arch) <= this.target;
  }

  /** What a strategy is rewarded with for an architecture of this (possibly noisy) accuracy. */
  reward(accuracy: number, arch: Architecture): number {
    if (this.config.reward === 'accuracy') return accuracy;
    const { alpha, beta } = MNAS_MODES[this.config.mode];
    return mnasReward(accuracy, this.latency(arch), this.target, alpha, beta);
  }

  /** The evaluated architectures' hypervolume as a share of the table's. */
  hypervolumeRatio(evaluated: readonly Architecture[]): number {
    const points = evaluated.map((arch) => ({
      accuracy: this.accuracies.value(arch, this.protocol.reportColumn),
      latency: this.latency(arch),
    }));
    return hypervolume(points, this.reference) / this.tableHypervolume;
  }
}

/** The p-th percentile (0 to 100) of the values, by the nearest rank below. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((p / 100) * (sorted.length - 1))]!;
}
