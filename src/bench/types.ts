import type { SpaceConfig } from '../space/registry.js';
import type { BackendChoice } from '../tf/backend.js';

export interface AlgorithmSpec {
  /** Label in the report; defaults to the strategy name. */
  label?: string;
  strategy: string;
  options?: unknown;
}

export interface BenchConfig {
  space: SpaceConfig;
  table: string;
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
  meanBest: number;
  stdBest: number;
  pOptimum: number;
  meanQueriesToTop01: number;
  /** Mean best accuracy after this many queries (a quarter, half and all of the budget). */
  meanBestAt: Record<string, number>;
  /** Strategy time (propose + observe) per proposed architecture. */
  msPerArchitecture: number;
}

export interface BenchReport {
  table: string;
  queries: number;
  seeds: number;
  seedOffset: number;
  optimum: number;
  top01Threshold: number;
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
