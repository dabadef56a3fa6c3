import type { SearchProgress } from '../search/types.js';

/** Seconds a phase has run and the seconds it still needs, as of a progress report. */
export interface PhaseTiming {
  readonly elapsed: number;
  /** Undefined until the phase has done a step since it was first seen. */
  readonly eta?: number;
}

/** One display per phase and subject (the final stage's finalist, the baseline). */
export function progressKey(p: SearchProgress): string {
  return p.subject === undefined ? p.phase : `${p.phase} ${p.subject}`;
}

/**
 * Times each phase from its first report: the ETA assumes the rate since then holds. Counting from the first
 * report's `done`, not 0, keeps a resumed search's ETA right.
 */
export class ProgressClock {
  private readonly first = new Map<string, { at: number; done: number }>();

  /** `now`: milliseconds on any monotonic clock. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  time(p: SearchProgress): PhaseTiming {
    const key = progressKey(p);
    const now = this.now();
    let first = this.first.get(key);
    if (!first) this.first.set(key, (first = { at: now, done: p.done }));
    const elapsed = (now - first.at) / 1000;
    const stepped = p.done - first.done;
    if (p.done >= p.total) return { elapsed, eta: 0 };
    return stepped > 0 ? { elapsed, eta: ((p.total - p.done) * elapsed) / stepped } : { elapsed };
  }
}
