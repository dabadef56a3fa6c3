import type { Architecture, SearchSpace } from '../space/types.js';
import type { Rng } from '../util/rng.js';
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
    this.observations.push({ arch: [...obs.arch], reward: obs.reward, ...(obs.objectives ? { objectives: { ...obs.objectives } } : {}) });
  }

  /** Replaces an observed architecture's reward (with its mean over repeated evaluations). */
  revise(arch: Architecture, reward: number): void {
    const key = keyOf(arch);
    const o = this.observations.find((x) => keyOf(x.arch) === key);
    if (o) (o as { reward: number }).reward = reward;
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
    // Copies: a checkpoint is a snapshot, written (and sent) later while the strategy goes on observing.
    return { observations: [...this.observations], taken: [...this.seen] };
  }

  static fromJSON(json: { observations: Observation[]; taken: string[] }): History {
    const h = new History();
    for (const o of json.observations) h.add(o);
    for (const k of json.taken) h.seen.add(k);
    return h;
  }
}

/**
 * Fills a batch of n architectures new to `history`. Batches come from `draw` for up to `rounds` rounds; a strategy
 * that still repeats itself has converged, so the rest are searched for around its last draws, one mutation away,
 * then two, and so on (uniform samples as the last resort; duplicates only once the space is exhausted).
 */
export function proposeUnique(
  n: number,
  history: History,
  draw: (m: number) => number[][],
  space: SearchSpace,
  rng: Rng,
  rounds = 8,
): number[][] {
  const out: number[][] = [];
  const accept = (arch: number[]) => {
    if (out.length < n && !history.has(arch)) {
      history.take(arch);
      out.push(arch);
    }
  };
  let drawn: number[][] = [];
  for (let r = 0; r < rounds && out.length < n; r++) {
    drawn = draw(Math.max(1, (n - out.length) * (r + 1)));
    drawn.forEach(accept);
  }
  const maxDistance = space.decisions.length;
  for (let tries = 0; tries < 100 * n && out.length < n && drawn.length > 0; tries++) {
    let arch = drawn[tries % drawn.length]!;
    const distance = Math.min(maxDistance, 1 + Math.floor(tries / (10 * n)));
    for (let d = 0; d < distance; d++) arch = space.mutate(arch, rng);
    accept(arch);
  }
  for (let tries = 0; tries < 100 * n && out.length < n; tries++) accept(space.sample(rng));
  while (out.length < n) out.push(space.sample(rng));
  return out;
}
