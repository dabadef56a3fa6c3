import type { Architecture } from '../space/types.js';
import type { Observation } from './types.js';

const keyOf = (arch: Architecture) => arch.join(',');

/** What a checkpoint keeps of an IncumbentReevaluation. */
export interface IncumbentReevaluationState {
  noise: 'unknown' | 'none' | 'present';
  evaluations: { arch: number[]; count: number; sum: number }[];
}

/**
 * Repeated evaluations of the incumbent, the observed architecture of best mean reward, until it has been evaluated
 * `times` times (racing, as SMAC intensifies its incumbent). A noisy reward's best single draw is mostly luck; its
 * mean over a few draws is not, so a truly good architecture can take the lead back from a lucky one. The first
 * repeat tells whether the reward is noisy at all: where it comes back identical (a table look-up, a seeded
 * training) nothing is repeated again, so a noise-free search goes on exactly as without this.
 */
export class IncumbentReevaluation {
  private noise: IncumbentReevaluationState['noise'] = 'unknown';
  private readonly evaluations = new Map<string, { arch: number[]; count: number; sum: number }>();
  private requested: string | null = null;

  constructor(private readonly times: number) {}

  /**
   * Records an observation. A repeat of an architecture observed before returns its mean reward so far (the caller
   * revises what it remembers to that, rather than learning from the repeat as from a new sample); a first one
   * returns undefined.
   */
  record(obs: Observation): number | undefined {
    const key = keyOf(obs.arch);
    const seen = this.evaluations.get(key);
    if (!seen) {
      this.evaluations.set(key, { arch: [...obs.arch], count: 1, sum: obs.reward });
      return undefined;
    }
    if (this.requested === key) this.requested = null;
    if (this.noise === 'unknown') this.noise = obs.reward === seen.sum / seen.count ? 'none' : 'present';
    if (this.noise === 'none') return seen.sum / seen.count;
    seen.count += 1;
    seen.sum += obs.reward;
    return seen.sum / seen.count;
  }

  /** The incumbent, while it has fewer than `times` evaluations and the reward may be noisy; else nothing. */
  next(n: number): number[][] {
    if (n < 1 || this.times < 2 || this.noise === 'none' || this.requested !== null) return [];
    let best: { arch: number[]; count: number; mean: number; key: string } | undefined;
    for (const [key, e] of this.evaluations) {
      const mean = e.sum / e.count;
      if (!best || mean > best.mean) best = { arch: e.arch, count: e.count, mean, key };
    }
    if (!best || best.count >= this.times) return [];
    this.requested = best.key;
    return [[...best.arch]];
  }

  toJSON(): IncumbentReevaluationState {
    return { noise: this.noise, evaluations: [...this.evaluations.values()].map((e) => ({ ...e, arch: [...e.arch] })) };
  }

  restore(state: IncumbentReevaluationState): void {
    this.noise = state.noise;
    this.evaluations.clear();
    for (const e of state.evaluations) this.evaluations.set(keyOf(e.arch), { ...e, arch: [...e.arch] });
    this.requested = null;
  }
}
