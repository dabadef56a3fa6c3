import type { Observation, Strategy } from '../strategy/types.js';
import type { Architecture } from '../space/types.js';
import { Rng } from '../util/rng.js';
import { DEFAULT_TABLE_COLUMN, type BenchmarkTable } from './table.js';
import type { LatencyConstraint } from './latency-constraint.js';
import type { BenchProtocol } from './types.js';

export interface SearchTrace {
  /**
   * After each query, the report column's value of the architecture with the best reward so far (index q-1: after
   * the first q). Under the oracle protocol (reward = report, no noise) the best accuracy seen.
   */
  bestAfter: number[];
  /** 1-based query at which the reported architecture was first in the report column's top 0.1 %; budget + 1 when never. */
  queriesToTop01: number;
  /** Whether the reported architecture ended at the report column's optimum. */
  foundOptimum: boolean;
  proposals: number;
  /** Milliseconds spent inside propose() and observe(). */
  strategyMs: number;
  /** Under a latency constraint: the report column of the evaluated feasible architecture of best mean reward column. */
  bestFeasible?: number | null;
  /** Under a latency constraint: the evaluated set's hypervolume as a share of the table's. */
  hypervolumeRatio?: number;
}

/** The oracle protocol: the strategy sees the table's test accuracy, which is also what is reported. */
export const ORACLE_PROTOCOL: BenchProtocol = { rewardColumn: DEFAULT_TABLE_COLUMN, reportColumn: DEFAULT_TABLE_COLUMN, rewardNoise: 0 };

/** Seeds a search's reward noise apart from its strategy's stream: every strategy meets the same noise process. */
const NOISE_STREAM = 0x6e6f6973;

/**
 * One benchmark search: the strategy proposes `parallel` architectures at a time, each is looked up in the table.
 * A query is an evaluation: a new architecture, or a re-evaluation the strategy asks for (`Strategy.reevaluate`).
 * A repeated proposal is answered from the cache for free, as a real search with a result cache would (the same
 * noisy reward, not a fresh draw), and stops the run only if the strategy keeps repeating itself. The reward is the
 * protocol's reward column plus seeded Gaussian noise per query; an architecture's reward is the mean of its
 * evaluations, and what counts is the report column of the architecture with the best reward so far, never the best
 * report value seen. Without noise a re-evaluation is the look-up again: answered for free, as a repeat. Under a
 * latency constraint the strategy's reward is the constraint's (MnasNet's, or the accuracy alone), and the search is
 * also judged by the best feasible architecture by the reward column and by its front's hypervolume.
 */
export function runSearch(
  strategy: Strategy,
  table: BenchmarkTable,
  budget: number,
  parallel = 1,
  protocol: BenchProtocol = ORACLE_PROTOCOL,
  seed = 0,
  constraint?: LatencyConstraint,
): SearchTrace {
  const noise = new Rng((seed ^ NOISE_STREAM) >>> 0);
  const { optimum, top01Threshold } = table.columnStats(protocol.reportColumn);
  const rewards = new Map<string, { arch: Architecture; sum: number; accuracySum: number; count: number }>();
  const bestAfter: number[] = [];
  let queries = 0;
  let queriesToTop01 = budget + 1;
  let proposals = 0;
  let strategyMs = 0;
  const draw = (arch: Architecture) =>
    table.value(arch, protocol.rewardColumn) + (protocol.rewardNoise > 0 ? protocol.rewardNoise * noise.normal() : 0);
  // Each query's reward, and after it the report column of the best mean reward so far.
  const query = (arch: Architecture): Observation => {
    const accuracy = draw(arch);
    const reward = constraint ? constraint.reward(accuracy, arch) : accuracy;
    const key = arch.join(',');
    const r = rewards.get(key) ?? { arch, sum: 0, accuracySum: 0, count: 0 };
    r.sum += reward;
    r.accuracySum += accuracy;
    r.count += 1;
    rewards.set(key, r);
    queries += 1;
    // The first of equal means (the map keeps first-query order): a later one must beat it to replace it.
    let best = r;
    let bestMean = -Infinity;
    for (const o of rewards.values()) {
      if (o.sum / o.count > bestMean) [best, bestMean] = [o, o.sum / o.count];
    }
    const reported = table.value(best.arch, protocol.reportColumn);
    bestAfter.push(reported);
    if (reported >= top01Threshold && queriesToTop01 > budget) queriesToTop01 = queries;
    return observation(arch, reward, accuracy);
  };
  // What the strategy is told: the reward, and the objectives apart for those that weigh them (NSGA-II).
  const observation = (arch: Architecture, reward: number, accuracy: number): Observation => ({
    arch,
    reward,
    objectives: { accuracy, ...(constraint ? { latencyMs: constraint.latency(arch) } : {}) },
  });
  const timed = <T>(f: () => T): T => {
    const t = performance.now();
    try {
      return f();
    } finally {
      strategyMs += performance.now() - t;
    }
  };
  while (queries < budget && proposals < budget * 20) {
    const n = Math.min(parallel, budget - queries);
    const again = timed(() => strategy.reevaluate?.(n) ?? []);
    const archs = again.length > 0 ? again : timed(() => strategy.propose(n));
    const results = archs.map((arch) => {
      proposals += 1;
      const known = rewards.get(arch.join(','));
      if (known && !(again.length > 0 && protocol.rewardNoise > 0)) {
        return observation(arch, known.sum / known.count, known.accuracySum / known.count);
      }
      if (queries < budget) return query(arch);
      const accuracy = draw(arch);
      return observation(arch, constraint ? constraint.reward(accuracy, arch) : accuracy, accuracy);
    });
    timed(() => strategy.observe(results));
  }
  const reported = bestAfter.at(-1) ?? -Infinity;
  const trace = { bestAfter, queriesToTop01, foundOptimum: reported >= optimum, proposals, strategyMs };
  if (!constraint) return trace;
  const evaluated = [...rewards.values()];
  const feasible = evaluated.filter((r) => constraint.feasible(r.arch));
  const best = feasible.reduce<(typeof feasible)[number] | undefined>(
    (a, b) => (!a || b.accuracySum / b.count > a.accuracySum / a.count ? b : a),
    undefined,
  );
  return {
    ...trace,
    bestFeasible: best ? table.value(best.arch, protocol.reportColumn) : null,
    hypervolumeRatio: constraint.hypervolumeRatio(evaluated.map((r) => r.arch)),
  };
}
