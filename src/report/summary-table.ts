import { intraOpThreadsText } from '../tf/backend.js';
import type { MachineRecord } from '../tf/machine.js';
import { escapeHtml } from './html.js';
import type { ReportCandidate, ReportData, ReportFinal } from './types.js';

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;
/** Zero means "not counted" (benchmark look-ups, weight sharing), not a network without parameters. */
const count = (x: number) => (x > 0 ? x.toLocaleString('en-US') : '—');
const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

/** The facts a reader looks for first: what was searched, the best candidate, the retrained best and the baseline. */
export function summaryTable(data: ReportData): string {
  const { search, candidates, summary, controller } = data;
  const best = bestOf(candidates);
  const diverged = candidates.filter((c) => c.diverged !== undefined).length;
  // [label, value as HTML]
  const rows: [string, string][] = [
    ['search', `${escapeHtml(search.name)} (seed ${search.seed})`],
    ['space', escapeHtml(search.space)],
    ['strategy', escapeHtml(search.strategy)],
    ['evaluation · reward', `${escapeHtml(search.evaluation)} · ${escapeHtml(search.objective)}`],
    ['candidates evaluated', `${candidates.length}${diverged > 0 ? ` (${diverged} diverged)` : ''}`],
    ['duration', summary ? `${summary.durationSeconds.toFixed(1)} s` : 'unfinished (no summary.json)'],
  ];
  if (summary?.machine) rows.push(['machine', escapeHtml(machineLine(summary.machine))]);
  if (best) {
    rows.push(
      ['best candidate', code(best.arch)],
      ['its reward · validation accuracy', `${best.reward.toFixed(4)} · ${percent(best.accuracy)}`],
      ['its params · FLOPs', `${count(best.params)} · ${count(best.flops)}`],
    );
  }
  if (summary?.best) rows.push(['best, retrained from scratch', final(summary.best)]);
  if (summary?.baseline) rows.push(['baseline, same training', final(summary.baseline)]);
  const last = controller?.[controller.length - 1];
  if (last?.entropy !== undefined) rows.push(['final controller entropy', `${last.entropy.toFixed(3)} nats`]);
  if (last?.baseline !== undefined) rows.push(['final controller reward baseline', last.baseline.toFixed(4)]);
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
  return `<section><h2>Summary</h2><table>${body}</table></section>`;
}

/** The highest reward; the earliest on ties, as the search ranks them. */
function bestOf(candidates: readonly ReportCandidate[]): ReportCandidate | undefined {
  return candidates.reduce<ReportCandidate | undefined>((a, c) => (a && a.reward >= c.reward ? a : c), undefined);
}

/**
 * E.g. "tensorflow (@tensorflow/tfjs-node, 1 intra-op thread) on AMD EPYC (family 25, model 17), 2 cores, linux-x64
 * (avx2 fma avx512f), Node v20.19.2".
 */
function machineLine(m: Readonly<MachineRecord>): string {
  const threads = m.intraOpThreads === undefined ? undefined : intraOpThreadsText(m.intraOpThreads);
  const gpu = m.gpu === undefined ? undefined : m.gpu ? 'GPU' : 'no GPU found';
  const via = [m.backendPackage, gpu, threads].filter(Boolean);
  const extensions = m.cpuExtensions ? ` (${m.cpuExtensions.join(' ') || "none of the kernels' extensions"})` : '';
  const cpu = `${m.cpu}${m.cpuModelId ? ` (${m.cpuModelId})` : ''}`;
  return `${m.backend}${via.length > 0 ? ` (${via.join(', ')})` : ''} on ${cpu}, ${m.cores} cores, ${m.platform}${extensions}, Node ${m.node}`;
}

function final(r: ReportFinal): string {
  const figures = `test accuracy ${percent(r.testAccuracy)}, ${count(r.params)} params, ${count(r.flops)} FLOPs`;
  return `${code(r.name)}: ${figures} (${r.epochs} epochs)`;
}
