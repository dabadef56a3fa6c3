import type { AlgorithmResult, BenchJobResult } from './types.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Aggregates the seeds of one algorithm into the report's row. Under a latency constraint, `constrained` gives what a
 * seed that found no feasible architecture counts as, and the constrained optimum.
 */
export function summarize(
  algorithm: string,
  runs: readonly BenchJobResult[],
  queries: number,
  constrained?: { worstAccuracy: number; optimum: number },
): AlgorithmResult {
  const bestAt = (q: number) => runs.map((r) => r.bestAfter[Math.min(q, r.bestAfter.length) - 1]!);
  const finals = bestAt(queries);
  const m = mean(finals);
  const variance = finals.length > 1 ? finals.reduce((a, b) => a + (b - m) ** 2, 0) / (finals.length - 1) : 0;
  const marks = [...new Set([Math.ceil(queries / 4), Math.ceil(queries / 2), queries])];
  return {
    algorithm,
    meanBest: m,
    stdBest: Math.sqrt(variance),
    pOptimum: mean(runs.map((r) => (r.foundOptimum ? 1 : 0))),
    meanQueriesToTop01: mean(runs.map((r) => r.queriesToTop01)),
    meanBestAt: Object.fromEntries(marks.map((q) => [String(q), mean(bestAt(q))])),
    msPerArchitecture: runs.reduce((a, r) => a + r.strategyMs, 0) / runs.reduce((a, r) => a + r.proposals, 0),
    ...(constrained
      ? {
          meanBestFeasible: mean(runs.map((r) => r.bestFeasible ?? constrained.worstAccuracy)),
          pConstrainedOptimum: mean(runs.map((r) => ((r.bestFeasible ?? -Infinity) >= constrained.optimum ? 1 : 0))),
          pFeasible: mean(runs.map((r) => (r.bestFeasible === null || r.bestFeasible === undefined ? 0 : 1))),
          hypervolumeRatio: mean(runs.map((r) => r.hypervolumeRatio ?? 0)),
        }
      : {}),
  };
}
