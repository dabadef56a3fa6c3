import type { SearchProgress } from '../search/types.js';
import { BarProgress } from './bar-progress.js';
import { LineProgress } from './line-progress.js';

/** Shows a search's progress reports and log lines on one stream. */
export interface ProgressDisplay {
  update(progress: SearchProgress): void;
  /** A line of its own, kept apart from the progress display. */
  log(line: string): void;
  /** Draws the last state and lets the process exit; call it however the search ended. */
  stop(): void;
}

/**
 * Redrawn bars on a terminal; elsewhere (a log file, CI, a pipe) plain lines, a few per phase, that read well in a
 * log: no carriage returns, no repeated bars.
 */
export function progressDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}
