import { escapeHtml } from './html.js';
import type { ReportData, ReportFinal } from './types.js';

const percent = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)} %`);
const count = (x: number) => x.toLocaleString('en-US');
const tau = (x: number | null | undefined) =>
  x === undefined ? undefined : x === null ? 'undefined (fewer than two, or all tied)' : x.toFixed(3);
const row = (cells: readonly string[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;

/**
 * The final stage side by side: the retrained searched cell against the baseline sized to it, the finalists with the
 * search's score, the short training's and the retraining's accuracy, and the Kendall τ between those rankings.
 */
export function finalStageSection(summary: ReportData['summary'], evaluation: string): string {
  if (!summary?.best && !summary?.finalists) return '';
  // What ranked the finalists: ENAS's derive step on the shared weights, or a standalone search's own reward.
  const [from, score] =
    evaluation === 'weight-sharing'
      ? ["The derive step's best", 'derive reward (shared weights)']
      : ["The search's best by its reward", 'search reward'];
  const rankedBy = evaluation === 'weight-sharing' ? 'derive reward' : 'search reward';
  const parts = ['<section><h2>Final stage</h2>'];
  const networks: [string, ReportFinal][] = [];
  if (summary.best) networks.push(['searched cell, retrained', summary.best]);
  if (summary.baseline) networks.push([`baseline ${escapeHtml(summary.baseline.name)}, sized to it`, summary.baseline]);
  if (networks.length > 0) {
    parts.push(
      '<table class="grid">',
      row(['', ...networks.map(([label]) => label)], 'th'),
      row(['test accuracy', ...networks.map(([, r]) => percent(r.testAccuracy))]),
      row(['validation accuracy', ...networks.map(([, r]) => percent(r.validationAccuracy))]),
      row(['parameters', ...networks.map(([, r]) => count(r.params))]),
      row(['multiply-adds', ...networks.map(([, r]) => count(r.flops))]),
      row(['epochs', ...networks.map(([, r]) => String(r.epochs))]),
      row(['channels per stage', ...networks.map(([, r]) => (r.channels ? r.channels.join(', ') : '—'))]),
      '</table>',
    );
  }
  if (summary.finalists) {
    parts.push(
      '<h3>Finalists</h3>',
      `<p>${from}, each trained briefly from scratch; the best of that short training are retrained.</p>`,
      '<table class="grid">',
      row(['', score, 'short training', 'retrained test', 'parameters'], 'th'),
      ...summary.finalists.map((f, i) =>
        row([
          `<span title="${escapeHtml(f.arch)}">${i + 1}</span>${f.arch === summary.best?.name ? ' (exported)' : ''}`,
          f.deriveReward.toFixed(4),
          percent(f.shortTrainingAccuracy),
          percent(f.retrainedTestAccuracy),
          count(f.params),
        ]),
      ),
      '</table>',
    );
  }
  const t = summary.kendallTau;
  if (t) {
    const lines = [
      [`${rankedBy} vs short training, over the finalists`, tau(t.deriveVsShortTraining)],
      [`${rankedBy} vs retrained test accuracy`, tau(t.deriveVsRetrained)],
      ['short training vs retrained test accuracy', tau(t.shortTrainingVsRetrained)],
    ].filter((l): l is [string, string] => l[1] !== undefined);
    parts.push(`<p>Kendall τ: ${lines.map(([k, v]) => `${k} <b>${v}</b>`).join('; ')}.</p>`);
  }
  parts.push('</section>');
  return parts.join('');
}
