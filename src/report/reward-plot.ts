import * as Plot from '@observablehq/plot';
import { section, swatch } from './html.js';
import { COLORS, plotSvg } from './plot-svg.js';
import type { ReportCandidate } from './types.js';

/** The best reward among candidates 0..i, for each i. */
function runningBest(candidates: readonly ReportCandidate[]): { index: number; best: number }[] {
  let best = -Infinity;
  return candidates.map((c) => ({ index: c.index, best: (best = Math.max(best, c.reward)) }));
}

/** Reward of every candidate in evaluation order, with the running best as a step line over them. */
export function rewardSection(candidates: readonly ReportCandidate[]): string {
  const title = 'Reward of each candidate';
  if (candidates.length === 0) return section(title, { note: 'No candidate was evaluated.' });
  const diverged = candidates.filter((c) => c.diverged !== undefined);
  const svg = plotSvg({
    x: { label: 'candidate (evaluation order)' },
    y: { label: 'reward' },
    marks: [
      // Translucent, so where candidates pile up (a converged policy) the plot shows it.
      Plot.dot(candidates, {
        x: 'index',
        y: 'reward',
        r: 2.5,
        fill: COLORS.blue,
        opacity: 0.6,
        ariaDescription: 'rewards',
      }),
      Plot.dot(diverged, { x: 'index', y: 'reward', r: 3, fill: COLORS.red, ariaDescription: 'diverged' }),
      Plot.line(runningBest(candidates), {
        x: 'index',
        y: 'best',
        curve: 'step-after',
        stroke: COLORS.orange,
        strokeWidth: 2,
        ariaDescription: 'running best',
      }),
    ],
  });
  const caption =
    `${swatch(COLORS.blue, '●')} each candidate's reward, ${swatch(COLORS.orange, '━')} the best so far` +
    (diverged.length > 0 ? `, ${swatch(COLORS.red, '●')} diverged (reward 0)` : '') +
    '.';
  return section(title, { svg, caption });
}
