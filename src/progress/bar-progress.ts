import { MultiBar, type SingleBar } from 'cli-progress';
import type { SearchProgress } from '../search/types.js';
import { ProgressClock, progressKey } from './progress-clock.js';
import type { ProgressDisplay } from './progress-display.js';
import { progressText } from './progress-text.js';

/** A synchronous loop (the derive step) keeps cli-progress's timer from firing: redraw from updates this often. */
const REDRAW_MS = 200;

/** Progress on a terminal: a redrawn bar per phase and subject, log lines printed above the bars. */
export class BarProgress implements ProgressDisplay {
  private readonly bars: MultiBar;
  private readonly byKey = new Map<string, SingleBar>();
  private readonly clock = new ProgressClock();
  private drawn = 0;
  private stopped = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // forceRedraw: a log line shifts the bars down a line, so unchanged ones must be drawn again too.
    this.bars = new MultiBar({ stream, format: '{bar} {text}', barsize: 20, hideCursor: true, autopadding: true, forceRedraw: true });
  }

  update(p: SearchProgress): void {
    if (this.stopped) return;
    const text = progressText(p, this.clock.time(p));
    const key = progressKey(p);
    const bar = this.byKey.get(key);
    if (!bar) this.byKey.set(key, this.bars.create(p.total, p.done, { text }));
    else {
      bar.setTotal(p.total);
      bar.update(p.done, { text });
    }
    if (performance.now() - this.drawn >= REDRAW_MS) this.redraw();
  }

  log(line: string): void {
    // Before the first bar and after the last drawing nothing would flush the line.
    if (this.byKey.size === 0 || this.stopped) this.stream.write(`${line}\n`);
    else {
      this.bars.log(`${line}\n`);
      this.redraw();
    }
  }

  stop(): void {
    this.stopped = true;
    this.bars.stop();
  }

  private redraw(): void {
    this.drawn = performance.now();
    this.bars.update();
  }
}
