import type { SearchProgress } from '../search/types.js';
import { ProgressClock, progressKey } from './progress-clock.js';
import type { ProgressDisplay } from './progress-display.js';
import { progressText } from './progress-text.js';

/** How often a phase of many fine steps writes a line: every tenth of it, and at least once a minute. */
const LINE_FRACTION = 0.1;
const LINE_INTERVAL_MS = 60_000;

/**
 * Progress for a log: one line when a phase starts, per step (a phase of more than ten steps: per tenth of it, or
 * after a minute without a line), and when it ends, each with elapsed time and ETA. Never a carriage return.
 */
export class LineProgress implements ProgressDisplay {
  private readonly last = new Map<string, { at: number; done: number }>();
  private readonly clock: ProgressClock;

  /** `now`: milliseconds on any monotonic clock. */
  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.clock = new ProgressClock(now);
  }

  update(p: SearchProgress): void {
    const key = progressKey(p);
    const timing = this.clock.time(p);
    const now = this.now();
    const last = this.last.get(key);
    if (last) {
      if (p.done <= last.done) return;
      const due = p.done >= p.total || p.done - last.done >= Math.ceil(p.total * LINE_FRACTION) || now - last.at >= LINE_INTERVAL_MS;
      if (!due) return;
    }
    this.last.set(key, { at: now, done: p.done });
    this.out.write(`${progressText(p, timing)}\n`);
  }

  log(line: string): void {
    this.out.write(`${line}\n`);
  }

  stop(): void {}
}
