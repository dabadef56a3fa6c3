import * as Plot from '@observablehq/plot';
import { type ParetoCost, ParetoFront } from '../reward/pareto.js';
import { section, swatch } from './html.js';
import { COLORS, plotSvg } from './plot-svg.js';
import type { ReportCandidate } from './types.js';

const AXIS: Record<ParetoCost, string> = { latencyMs: 'latency (ms)', params: 'parameters' };

/**
 * Accuracy against cost with the Pareto front highlighted. The cost is measured latency where every candidate has
 * it, else the parameter count, and the axis says which; diverged candidates have no meaningful accuracy and are left
 * out. Weight-sharing accuracies are the shared weights' on one validation minibatch, a benchmark's are its table's test
 * accuracies, and the labels say so.
 */
export function paretoSection(candidates: readonly ReportCandidate[], evaluation: string): string {
  const title = 'Accuracy against cost';
  const points = candidates.filter((c) => c.diverged === undefined);
  const cost = costOf(points);
  if (cost === undefined) {
    return section(title, {
      note:
        'No cost to plot accuracy against: these candidates have no measured latency and no parameter count ' +
        '(a benchmark table whose network is unknown gives none: spec.evaluation.tableNetwork).',
    });
  }
  const accuracyKind =
    evaluation === 'weight-sharing'
      ? 'shared-weight validation accuracy'
      : evaluation === 'benchmark'
        ? 'table test accuracy'
        : 'validation accuracy';
  const front = new ParetoFront<ReportCandidate>([cost]);
  for (const c of points) front.add({ accuracy: c.accuracy, [cost]: c[cost] }, c);
  const best = front.points().map((e) => e.item);
  const xs = points.map((c) => c[cost]!);
  const svg = plotSvg({
    // Parameter counts and latencies span orders of magnitude across a space.
    x: { label: AXIS[cost], type: Math.max(...xs) / Math.min(...xs) >= 10 ? 'log' : 'linear' },
    y: { label: `${accuracyKind} (%)`, percent: true },
    marks: [
      Plot.dot(points, { x: cost, y: 'accuracy', r: 2.5, fill: COLORS.grey, ariaDescription: 'all points' }),
      Plot.line(best, { x: cost, y: 'accuracy', curve: 'step-after', stroke: COLORS.red, ariaDescription: 'front' }),
      Plot.dot(best, { x: cost, y: 'accuracy', r: 4, fill: COLORS.red, ariaDescription: 'pareto front' }),
    ],
  });
  const measured = cost === 'latencyMs' ? 'measured inference latency' : 'parameter count (latency was not measured for these candidates)';
  const caption =
    `${accuracyKind[0]!.toUpperCase()}${accuracyKind.slice(1)} against ${measured}. ${swatch(COLORS.red, '●')} the ` +
    `${best.length} Pareto-optimal candidates (no other matches or beats one on both accuracy and cost), ` +
    `${swatch(COLORS.grey, '●')} the rest.`;
  return section(title, { svg, caption });
}

function costOf(points: readonly ReportCandidate[]): ParetoCost | undefined {
  if (points.length === 0) return undefined;
  if (points.every((c) => c.latencyMs !== undefined && c.latencyMs > 0)) return 'latencyMs';
  if (points.every((c) => c.params > 0)) return 'params';
  return undefined;
}
