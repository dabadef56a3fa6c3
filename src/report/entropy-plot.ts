import * as Plot from '@observablehq/plot';
import type { StrategyStatsRecord } from '../strategy/types.js';
import { escapeHtml, section, swatch } from './html.js';
import { COLORS, plotSvg } from './plot-svg.js';

/**
 * The controller's policy entropy after each observe, against the uniform policy's entropy: how far the policy has
 * concentrated on part of the space.
 */
export function entropySection(stats: readonly StrategyStatsRecord[] | null, strategy: string, maxEntropy: number): string {
  const title = 'Controller entropy';
  if (stats === null) {
    return section(title, {
      note: 'Not recorded: this results directory has no controller.jsonl (written by newer versions of nasmesh run).',
    });
  }
  const points = stats.filter((s) => s.entropy !== undefined);
  if (points.length === 0) {
    return section(title, { note: `The ${escapeHtml(strategy)} strategy has no learned policy, so no entropy.` });
  }
  const svg = plotSvg({
    x: { label: 'candidates observed' },
    y: { label: 'entropy (nats)', domain: [0, Math.max(maxEntropy, ...points.map((p) => p.entropy!))] },
    marks: [
      Plot.ruleY([maxEntropy], { stroke: COLORS.grey, strokeDasharray: '4 3', ariaDescription: 'uniform' }),
      Plot.line(points, { x: 'observed', y: 'entropy', stroke: COLORS.green, strokeWidth: 2 }),
    ],
  });
  const caption =
    `${swatch(COLORS.green, '━')} entropy of the policy over whole architectures when it proposed the batch ` +
    `just observed; ${swatch(COLORS.grey, '┅')} a uniform policy ` +
    `(${maxEntropy.toFixed(2)} nats). Lower means the policy has concentrated.`;
  return section(title, { svg, caption });
}
