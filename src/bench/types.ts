import type { SpaceConfig } from '../space/registry.js';
import type { MnasMode } from '../reward/mnas.js';
import type { BackendChoice } from '../tf/backend.js';

export interface AlgorithmSpec {
  /** Label in the report; defaults to the strategy name. */
  label?: string;
  strategy: string;
  options?: unknown;
}

/**
 * What a benchmark search sees and what it is judged by. The oracle protocol (the defaults) rewards and reports the
 * same column; the papers' protocols reward a cheap, noisy estimate (a short training's validation accuracy) and
 * report the final test accuracy of the architecture that estimate ranks first.
 */
export interface BenchProtocol {
  /** The column the strategy is rewarded with. */
  rewardColumn: string;
  /** The column reported: its value for the architecture with the best reward so far. */
  reportColumn: string;
  /** Standard deviation of the seeded Gaussian noise added to each query's reward, in the column's units; 0: none. */
  rewardNoise: number;
}

/**
 * MnasNet's setting on a table: a second table of latencies (the same `arch` key) and a target. Architectures within
 * the target are feasible; the strategies are rewarded with the accuracy alone or with MnasNet's ACC × (LAT/T)^w.
 */
export interface LatencyConstraintConfig {
  table: string;
  column: string;
  /** Milliseconds, or a percentile (0 to 100) of the column's latencies over the accuracy table's architectures. */
  target: number | { percentile: number };
  reward: 'accuracy' | 'mnas';
  /** MnasNet's exponents, with reward mnas: soft (α = β = −0.07) or hard (α = 0, β = −1). */
  mode: MnasMode;
}

export interface BenchConfig {
  space: SpaceConfig;
  table: string;
  /** Default: the oracle protocol on test_accuracy. */
  protocol?: BenchProtocol;
  latency?: LatencyConstraintConfig;
  algorithms: AlgorithmSpec[];
  queries: number;
  seeds: number;
  seedOffset: number;
  /** Architectures proposed at once (evaluations in flight). */
  parallel: number;
  threads: number;
  backend: BackendChoice;
}

export interface AlgorithmResult {
  algorithm: string;
  /** Mean over seeds of the reported value at the end (the report column of the best-rewarded architecture). */
  meanBest: number;
  stdBest: number;
  /** Share of seeds whose reported architecture ends at the report column's optimum. */
  pOptimum: number;
  meanQueriesToTop01: number;
  /** Mean best accuracy after this many queries (a quarter, half and all of the budget). */
  meanBestAt: Record<string, number>;
  /** Strategy time (propose + observe) per proposed architecture. */
  msPerArchitecture: number;
  /** Under a latency constraint, the mean over seeds of the best feasible reported value; a seed that found none counts as the table's worst. */
  meanBestFeasible?: number;
  /** Share of seeds whose best feasible architecture is the constrained optimum. */
  pConstrainedOptimum?: number;
  /** Share of seeds that evaluated a feasible architecture. */
  pFeasible?: number;
  /** Mean over seeds of the evaluated set's accuracy–latency hypervolume as a share of the table's front's. */
  hypervolumeRatio?: number;
}

export interface BenchReport {
  table: string;
  protocol: BenchProtocol;
  queries: number;
  seeds: number;
  seedOffset: number;
  /** Of the report column. */
  optimum: number;
  top01Threshold: number;
  /**
   * The report column's value for the table's best architecture by the reward column (before noise): what a search
   * that found the reward's optimum would report. The optimum itself under the oracle protocol.
   */
  reportCeiling: number;
  tableSize: number;
  /** The constraint with its target in milliseconds, and the best a constrained search can report. */
  latency?: LatencyConstraintConfig & { targetMs: number; constrainedOptimum: number };
  seconds: number;
  results: AlgorithmResult[];
}

export interface BenchJob {
  index: number;
  algorithm: AlgorithmSpec;
  seed: number;
}

export interface BenchJobResult {
  index: number;
  bestAfter: number[];
  queriesToTop01: number;
  foundOptimum: boolean;
  proposals: number;
  strategyMs: number;
  /** Under a latency constraint: the report column of the evaluated feasible architecture with the best reward column (null: none). */
  bestFeasible?: number | null;
  hypervolumeRatio?: number;
}

export interface BenchJobFailure {
  index: number;
  error: { name: string; message: string };
}
