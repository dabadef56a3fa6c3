import type { SpaceConfig } from '../space/registry.js';
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

export interface BenchConfig {
  space: SpaceConfig;
  table: string;
  /** Default: the oracle protocol on test_accuracy. */
  protocol?: BenchProtocol;
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
}

export interface BenchJobFailure {
  index: number;
  error: { name: string; message: string };
}
