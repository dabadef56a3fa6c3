import type { BenchReport } from './types.js';

/** The report as a plain-text table for the terminal. */
export function formatReport(report: BenchReport): string {
  const marks = Object.keys(report.results[0]?.meanBestAt ?? {});
  const constrained = report.latency !== undefined;
  const header = [
    'algorithm',
    ...marks.map((q) => `best@${q}`),
    'std',
    'P(optimum)',
    'queries→top0.1%',
    ...(constrained ? ['best feasible', 'P(constrained optimum)', 'P(feasible)', 'hypervolume'] : []),
    'ms/arch',
  ];
  const rows = report.results.map((r) => [
    r.algorithm,
    ...marks.map((q) => r.meanBestAt[q]!.toFixed(3)),
    r.stdBest.toFixed(3),
    r.pOptimum.toFixed(2),
    r.meanQueriesToTop01.toFixed(1),
    ...(constrained
      ? [r.meanBestFeasible!.toFixed(3), r.pConstrainedOptimum!.toFixed(2), r.pFeasible!.toFixed(2), r.hypervolumeRatio!.toFixed(3)]
      : []),
    r.msPerArchitecture.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const { rewardColumn, reportColumn, rewardNoise } = report.protocol;
  const oracle = rewardColumn === reportColumn && rewardNoise === 0;
  const protocol = oracle
    ? `reward and report: ${reportColumn} (oracle)`
    : `reward: ${rewardColumn}${rewardNoise > 0 ? ` + N(0, ${rewardNoise}²) per query` : ''}; report: ${reportColumn} of the best-rewarded, ceiling ${report.reportCeiling}`;
  const l = report.latency;
  const latency = l
    ? [
        `latency: ${l.table} ${l.column} ≤ ${l.targetMs} ms${typeof l.target === 'number' ? '' : ` (its ${l.target.percentile}th percentile)`}; ` +
          `reward: ${l.reward === 'mnas' ? `MnasNet's ACC × (LAT/T)^w, ${l.mode}` : 'accuracy alone'}; constrained optimum ${l.constrainedOptimum}`,
      ]
    : [];
  return [
    `${report.table}: ${report.tableSize} architectures, optimum ${report.optimum}, top 0.1 % ≥ ${report.top01Threshold}`,
    protocol,
    ...latency,
    `${report.queries} queries × ${report.seeds} seeds (from seed ${report.seedOffset}) in ${report.seconds.toFixed(1)} s`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n');
}
