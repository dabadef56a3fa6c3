import type { Architecture } from '../space/types.js';
import type { Observation } from './types.js';

const keyOf = (arch: Architecture) => arch.join(',');

/** What a strategy has proposed and observed: the basis of duplicate avoidance and elite replay. */
export class History {
  readonly observations: Observation[] = [];
  private readonly seen = new Set<string>();

  has(arch: Architecture): boolean {
    return this.seen.has(keyOf(arch));
  }

  /** Marks an architecture as taken (proposed or observed). */
  take(arch: Architecture): void {
    this.seen.add(keyOf(arch));
  }

  add(obs: Observation): void {
    this.take(obs.arch);
    this.observations.push({ arch: [...obs.arch], reward: obs.reward });
  }

  /** The k best observations, best first (earlier wins ties, so the order is deterministic). */
  best(k: number): Observation[] {
    return this.observations
      .map((o, i) => ({ o, i }))
      .sort((a, b) => b.o.reward - a.o.reward || a.i - b.i)
      .slice(0, k)
      .map(({ o }) => o);
  }

  toJSON(): { observations: Observation[]; taken: string[] } {
    return { observations: this.observations, taken: [...this.seen] };
  }

  static fromJSON(json: { observations: Observation[]; taken: string[] }): History {
    const h = new History();
    for (const o of json.observations) h.add(o);
    for (const k of json.taken) h.seen.add(k);
    return h;
  }
}

/**
 * Fills a batch of n architectures new to `history`, drawing batches from `draw` for up to `rounds` rounds; what is
 * still missing comes from `fallback` (uniform samples), then duplicates if the space is exhausted.
 */
export function proposeUnique(
  n: number,
  history: History,
  draw: (m: number) => number[][],
  fallback: () => number[],
  rounds = 8,
): number[][] {
  const out: number[][] = [];
  const accept = (arch: number[]) => {
    if (out.length < n && !history.has(arch)) {
      history.take(arch);
      out.push(arch);
    }
  };
  for (let r = 0; r < rounds && out.length < n; r++) draw(Math.max(1, (n - out.length) * (r + 1))).forEach(accept);
  for (let tries = 0; tries < 100 * n && out.length < n; tries++) accept(fallback());
  while (out.length < n) out.push(fallback());
  return out;
}
