import type { FinalResult, RankCorrelation, SearchSummary } from '../src/search/types.js';

/**
 * What `nasmesh run` prints when a search ends: its best candidate, the network the final stage retrained (for weight
 * sharing, the finalists' pick, which need not be the search's best candidate), the baseline beside it with the
 * difference that is the point of the comparison, and the finalists' rank correlations.
 */
export function summaryLines(summary: SearchSummary, rankedBy: FinalistRanking = 'derive'): string[] {
  const lines = [`${summary.candidates} candidates in ${summary.durationSeconds.toFixed(1)} s`];
  const candidate = summary.bestCandidate;
  if (candidate) {
    const latency = candidate.latencyMs !== undefined ? `, latency ${candidate.latencyMs.toFixed(2)} ms` : '';
    const accuracy = `accuracy ${percent(candidate.accuracy)}${latency}`;
    lines.push(`best candidate: ${candidate.architecture.arch} (reward ${candidate.reward.toFixed(4)}, ${accuracy})`);
  }
  const { best, baseline } = summary;
  if (best) {
    const arch = 'arch' in best.architecture ? best.architecture.arch : undefined;
    if (arch !== undefined && arch !== candidate?.architecture.arch) lines.push(`retrained: ${arch}`);
    lines.push(`best, retrained: ${figures(best)}`);
  }
  if (baseline) {
    const name = 'baseline' in baseline.architecture ? ` ${baseline.architecture.baseline}` : '';
    lines.push(`baseline${name}: ${figures(baseline)}`);
    if (best) {
      lines.push(`retrained best against the baseline: ${signedPoints(best.testAccuracy - baseline.testAccuracy)} of test accuracy`);
    }
  }
  const tau = summary.kendallTau && tauText(summary.kendallTau, rankedBy);
  if (tau) lines.push(`Kendall τ over the finalists: ${tau}`);
  return lines;
}

function figures(r: FinalResult): string {
  return `test accuracy ${percent(r.testAccuracy)}, ${r.params} params, ${r.flops} MACs`;
}

/** E.g. "+0.30 points", "-0.18 points", "0.00 points". */
function signedPoints(fraction: number): string {
  const points = Math.round(fraction * 10_000) / 100 || 0; // `|| 0`: a difference rounded to -0 is no loss
  return `${points > 0 ? '+' : ''}${points.toFixed(2)} points`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

/** What ranked the finalists before their short training: ENAS's derive step, or a standalone search's reward. */
export type FinalistRanking = 'derive' | 'search reward';

/** The correlations computed, e.g. "derive against short training 0.47, short training against retrained 0.87". */
function tauText(t: RankCorrelation, rankedBy: FinalistRanking): string {
  const named: [string, number | null | undefined][] = [
    [`${rankedBy} against short training`, t.deriveVsShortTraining],
    [`${rankedBy} against retrained`, t.deriveVsRetrained],
    ['short training against retrained', t.shortTrainingVsRetrained],
  ];
  return named.flatMap(([name, v]) => (v === undefined ? [] : [`${name} ${v === null ? 'undefined' : v.toFixed(2)}`])).join(', ');
}
