import type { Strategy } from '../controller/types.js';
import type { BenchmarkTable } from './table.js';

export interface SearchTrace {
  /** Best accuracy seen after each query (index q-1 holds the best of the first q). */
  bestAfter: number[];
  /** 1-based query at which a top-0.1 % architecture was first seen; budget + 1 when never. */
  queriesToTop01: number;
  foundOptimum: boolean;
  proposals: number;
  /** Milliseconds spent inside propose() and observe(). */
  strategyMs: number;
}

/**
 * One benchmark search: the strategy proposes `parallel` architectures at a time, each is looked up in the table.
 * A query is a distinct architecture; a repeated proposal is answered from the cache for free, as a real search
 * with a result cache would, and stops the run only if the strategy keeps repeating itself.
 */
export function runSearch(strategy: Strategy, table: BenchmarkTable, budget: number, parallel = 1): SearchTrace {
  const seen = new Map<string, number>();
  const bestAfter: number[] = [];
  let best = -Infinity;
  let queriesToTop01 = budget + 1;
  let proposals = 0;
  let strategyMs = 0;
  while (seen.size < budget && proposals < budget * 20) {
    let t = performance.now();
    const archs = strategy.propose(Math.min(parallel, budget - seen.size));
    strategyMs += performance.now() - t;
    const results = archs.map((arch) => {
      proposals += 1;
      const key = arch.join(',');
      let reward = seen.get(key);
      if (reward === undefined && seen.size < budget) {
        reward = table.lookup(arch);
        seen.set(key, reward);
        best = Math.max(best, reward);
        bestAfter.push(best);
        if (reward >= table.top01Threshold && queriesToTop01 > budget) queriesToTop01 = seen.size;
      }
      return { arch, reward: reward ?? table.lookup(arch) };
    });
    t = performance.now();
    strategy.observe(results);
    strategyMs += performance.now() - t;
  }
  return { bestAfter, queriesToTop01, foundOptimum: best >= table.optimum, proposals, strategyMs };
}
