import { cellGraphSvg } from './cell-graph.js';
import { escapeHtml } from './html.js';
import type { ReportData } from './types.js';

/** The found normal and reduction cells (enas-micro), each drawn as a graph; nothing for other spaces. */
export function cellsSection(cells: ReportData['cells']): string {
  if (!cells) return '';
  const which = cells.retrained ? 'the final stage retrained and exported' : 'the best-rewarded candidate (no final stage ran)';
  const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
  return [
    '<section><h2>Found cells</h2>',
    `<p>The cells of ${which}: <code>${escapeHtml(cells.arch)}</code></p>`,
    figure(
      cellGraphSvg(cells.normal, 'normal cell'),
      'Normal cell. h[i-2] and h[i-1] are the outputs of the two previous cells; each block sums its two ops (edges, ' +
        'labelled); h[i] concatenates the blocks no block reads (grey edges).',
    ),
    figure(cellGraphSvg(cells.reduce, 'reduction cell'), 'Reduction cell: the ops that read h[i-2] or h[i-1] have stride 2.'),
    '</section>',
  ].join('');
}
