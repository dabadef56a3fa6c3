export type { AlgorithmResult, AlgorithmSpec, BenchConfig, BenchReport } from './types.js';
export { BenchmarkTable, BenchmarkTableError } from './table.js';
export { runSearch, type SearchTrace } from './run-search.js';
export { runBenchmark } from './harness.js';
export { formatReport } from './format.js';
