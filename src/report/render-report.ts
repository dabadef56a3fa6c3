import { cellsSection } from './cells-section.js';
import { entropySection } from './entropy-plot.js';
import { finalStageSection } from './final-stage-section.js';
import { escapeHtml } from './html.js';
import { paretoSection } from './pareto-plot.js';
import { rewardSection } from './reward-plot.js';
import { summaryTable } from './summary-table.js';
import type { ReportData } from './types.js';

/** Inline only: the report must open from a file, offline, with nothing fetched. */
const STYLE = `
body { font: 14px/1.5 system-ui, sans-serif; color: #222; max-width: 820px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }
th { font-weight: 600; white-space: nowrap; width: 1%; }
code { font-size: 0.9em; word-break: break-all; }
figure { margin: 0; } figcaption { color: #555; margin-top: 0.3em; }
.key { font-weight: bold; } .note { color: #555; font-style: italic; }
table.grid th { width: auto; } svg.cell-graph { max-width: 100%; height: auto; display: block; }
`;

/** The whole report as one self-contained HTML document: inline CSS and SVG, no scripts, nothing external. */
export function renderReport(data: ReportData): string {
  const title = `nasmesh report: ${escapeHtml(data.search.name)}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>`,
    '<body>',
    `<h1>${title}</h1>`,
    summaryTable(data),
    cellsSection(data.cells),
    finalStageSection(data.summary, data.search.evaluation),
    rewardSection(data.candidates),
    entropySection(data.controller, data.search.strategy, data.search.maxEntropy),
    paretoSection(data.candidates, data.search.evaluation),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
