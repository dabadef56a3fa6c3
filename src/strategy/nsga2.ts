import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { proposeUnique } from './history.js';
import { HistoryStrategy } from './history-strategy.js';
import type { Observation } from './types.js';

export const nsga2OptionsSchema = z
  .object({
    population: z
      .number()
      .int()
      .min(2)
      .default(20)
      .describe('NSGA-II: the parents kept, by Pareto rank over (accuracy, latency), then crowding distance.'),
  })
  .strict();
export type Nsga2Options = z.output<typeof nsga2OptionsSchema>;

/**
 * NSGA-II (Deb et al., 2002), steady-state for a query budget: the parents are the `population` best of everything
 * evaluated by non-dominated rank over accuracy (up) and latency (down), ties broken by crowding distance (the
 * sparser part of the front first); a child is a one-decision mutation of a binary tournament's winner. It reads
 * both objectives from each observation; where a search measures no latency, the one objective is the accuracy (the
 * reward where none is given) and it is an elitist evolution.
 */
export class Nsga2 extends HistoryStrategy {
  readonly name = 'nsga2' as const;

  constructor(
    space: SearchSpace,
    private readonly options: Nsga2Options,
    seed: number,
  ) {
    super(space, seed);
  }

  propose(n: number): number[][] {
    const full = this.history.observations.length >= this.options.population;
    return proposeUnique(n, this.history, (m) => this.sample(m), this.space, this.rng, full ? 8 : 1);
  }

  /** Children of tournament winners among the parents once there are enough, uniform samples before. */
  override sample(n: number): number[][] {
    const observed = this.history.observations;
    if (observed.length < this.options.population) return super.sample(n);
    const parents = selectParents(observed, this.options.population);
    return Array.from({ length: n }, () => {
      const [a, b] = this.rng.sampleIndices(parents.length, 2).map((i) => parents[i]!);
      const winner = a!.rank < b!.rank || (a!.rank === b!.rank && a!.crowding >= b!.crowding) ? a! : b!;
      return this.space.mutate(winner.observation.arch, this.rng);
    });
  }
}

interface Ranked {
  readonly observation: Observation;
  rank: number;
  crowding: number;
}

/** Objectives to maximise: the accuracy, and the latency negated. */
function objectivesOf(o: Observation): number[] {
  const accuracy = o.objectives?.accuracy ?? o.reward;
  const latency = o.objectives?.latencyMs;
  return latency === undefined ? [accuracy] : [accuracy, -latency];
}

function dominates(a: readonly number[], b: readonly number[]): boolean {
  return a.every((x, i) => x >= b[i]!) && a.some((x, i) => x > b[i]!);
}

/** NSGA-II's environmental selection: whole fronts while they fit, then the last one by crowding distance. */
export function selectParents(observations: readonly Observation[], size: number): Ranked[] {
  const all = observations.map((observation) => ({ observation, rank: 0, crowding: 0, objectives: objectivesOf(observation) }));
  const chosen: Ranked[] = [];
  let rest = all;
  for (let rank = 0; chosen.length < size && rest.length > 0; rank++) {
    const front = rest.filter((p) => !rest.some((q) => q !== p && dominates(q.objectives, p.objectives)));
    rest = rest.filter((p) => !front.includes(p));
    for (const p of front) p.rank = rank;
    assignCrowding(front);
    // Sparser first; the earlier observation first on ties, so the selection is deterministic.
    front.sort((a, b) => b.crowding - a.crowding || all.indexOf(a) - all.indexOf(b));
    chosen.push(...front.slice(0, size - chosen.length));
  }
  return chosen;
}

/** Crowding distance: per objective, the normalised gap between a point's neighbours; the extremes are infinite. */
function assignCrowding(front: { objectives: number[]; crowding: number }[]): void {
  const m = front[0]?.objectives.length ?? 0;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => a.objectives[k]! - b.objectives[k]!);
    const span = sorted.at(-1)!.objectives[k]! - sorted[0]!.objectives[k]!;
    sorted[0]!.crowding = sorted.at(-1)!.crowding = Infinity;
    for (let i = 1; i < sorted.length - 1; i++) {
      sorted[i]!.crowding += span > 0 ? (sorted[i + 1]!.objectives[k]! - sorted[i - 1]!.objectives[k]!) / span : 0;
    }
  }
}
