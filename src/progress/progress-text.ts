import type { SearchProgress } from '../search/types.js';
import { type PhaseTiming, progressKey } from './progress-clock.js';

/**
 * A progress report as one line: phase, done/total, where within, figures, elapsed time and ETA, e.g.
 * `final 1/2: 430/2580 batches (17 %), epoch 1/3, loss 0.6121, elapsed 3m25s, ETA 17m05s`.
 */
export function progressText(p: SearchProgress, timing: PhaseTiming): string {
  const percent = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  const parts = [`${p.done}/${p.total} ${p.unit} (${percent} %)`];
  if (p.detail) parts.push(p.detail);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.accuracy !== undefined) parts.push(`accuracy ${(100 * p.accuracy).toFixed(1)} %`);
  if (p.bestReward !== undefined) parts.push(`best reward ${p.bestReward.toFixed(4)}`);
  parts.push(`elapsed ${duration(timing.elapsed)}`, `ETA ${timing.eta === undefined ? '-' : duration(timing.eta)}`);
  return `${progressKey(p)}: ${parts.join(', ')}`;
}

/** 42s, 7m05s, 1h03m. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
}

const pad = (n: number) => String(n).padStart(2, '0');
