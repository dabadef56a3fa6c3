import type { MicroCell } from '../space/enas-micro.js';
import { escapeHtml } from './html.js';
import { COLORS } from './plot-svg.js';

const COLUMN = 170;
const ROW = 84;
const MARGIN = 24;
const NODE = { width: 70, height: 26 };

/** A cell's state as the papers name it: the cell's inputs are the two previous cells' outputs, then its blocks. */
function stateName(state: number): string {
  return state === 0 ? 'h[i-2]' : state === 1 ? 'h[i-1]' : `block ${state - 2}`;
}
const CELL_OUTPUT = 'h[i]';

interface Placed {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly fill: string;
}

/**
 * A searched cell drawn as NASNet's and ENAS's figures draw it: nodes for the cell's inputs h[i-2] and h[i-1], one
 * per block (the sum of its two ops) and the output h[i] (the concatenation of the blocks no block reads); an edge
 * per op, labelled with it, from the state it reads to its block, and an unlabelled one per concatenated block.
 * Laid out left to right by depth (a block one column after the deepest state it reads), each column's nodes in
 * state order, so the same cell always gives the same drawing. Each edge's group names its ends and op (data-from,
 * data-to, data-op) for readers and tests.
 */
export function cellGraphSvg(cell: MicroCell, title: string): string {
  const depth: number[] = [0, 0];
  cell.blocks.forEach((b) => depth.push(1 + Math.max(...b.inputs.map((i) => depth[i]!))));
  const outputColumn = Math.max(...depth) + 1;
  const columns: number[][] = Array.from({ length: outputColumn + 1 }, () => []);
  depth.forEach((d, state) => columns[d]!.push(state));
  columns[outputColumn]!.push(-1);
  const rows = Math.max(...columns.map((c) => c.length));
  const width = 2 * MARGIN + outputColumn * COLUMN + NODE.width;
  const height = 2 * MARGIN + (rows - 1) * ROW + NODE.height;
  const placed = new Map<number, Placed>();
  columns.forEach((states, c) =>
    states.forEach((state, r) => {
      // Centred vertically: a column of fewer nodes sits in the middle.
      const y = MARGIN + NODE.height / 2 + ((rows - states.length) / 2 + r) * ROW;
      const x = MARGIN + NODE.width / 2 + c * COLUMN;
      const fill = state < 0 ? COLORS.green : state < 2 ? COLORS.blue : COLORS.orange;
      placed.set(state, { name: state < 0 ? CELL_OUTPUT : stateName(state), x, y, fill });
    }),
  );
  const edges: { line: string; label: string }[] = [];
  cell.blocks.forEach((block, j) => {
    const to = placed.get(j + 2)!;
    // Two ops reading the same state bend apart, so both stay visible.
    const bends = (block.inputs[0] === block.inputs[1] ? [-24, 24] : [0, 0]).map((b, k) => clearBend(placed, block.inputs[k]!, j + 2, b));
    const height = block.inputs.map((input, k) => placed.get(input)!.y + bends[k]!);
    block.inputs.forEach((input, k) => {
      // The block's upper edge is labelled above its line, the lower one below, so the two labels never meet.
      const above = height[k]! < height[1 - k]! || (height[k] === height[1 - k] && k === 0);
      edges.push(edge(placed.get(input)!, to, bends[k]!, { op: block.ops[k]!, above }));
    });
  });
  for (const state of cell.concat) edges.push(edge(placed.get(state)!, placed.get(-1)!, clearBend(placed, state, -1, 0)));
  // Labels last, over the nodes and edges they would otherwise hide behind.
  const nodes = [...placed.values()].map(
    (n) =>
      `<g class="node"><rect x="${n.x - NODE.width / 2}" y="${n.y - NODE.height / 2}" width="${NODE.width}" height="${NODE.height}" rx="6" fill="${n.fill}"/>` +
      `<text x="${n.x}" y="${n.y + 4}" text-anchor="middle" fill="#fff" font-size="12">${escapeHtml(n.name)}</text></g>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="cell-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="${escapeHtml(title)}" font-family="system-ui, sans-serif">` +
    `${edges.map((e) => e.line).join('')}${nodes.join('')}${edges.map((e) => e.label).join('')}</svg>`
  );
}

/**
 * The bend nearest `preferred`, away from it in its own direction (either way from a straight line), at which the edge
 * from state `from` to `to` passes no other node: an edge that skips a column would otherwise run behind the nodes in it.
 */
function clearBend(placed: ReadonlyMap<number, Placed>, from: number, to: number, preferred: number): number {
  const [a, b] = [placed.get(from)!, placed.get(to)!];
  const others = [...placed].filter(([state]) => state !== from && state !== to).map(([, n]) => n);
  const clear = (bend: number) => {
    const { x0, y0, cx, cy, x2, y2 } = curve(a, b, bend);
    for (let t = 0; t <= 1; t += 0.02) {
      const [x, y] = [(1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t ** 2 * x2, (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t ** 2 * y2];
      if (others.some((n) => Math.abs(x - n.x) <= NODE.width / 2 + 4 && Math.abs(y - n.y) <= NODE.height / 2 + 4)) return false;
    }
    return true;
  };
  const steps =
    preferred === 0 ? [0, -36, 36, -72, 72, -108, 108, -144, 144] : [0, 36, 72, 108, 144].map((d) => preferred + Math.sign(preferred) * d);
  return steps.find(clear) ?? preferred;
}

/** The ends and control point of the edge from `from`'s right side to `to`'s left side, bent by `bend` pixels. */
function curve(from: Placed, to: Placed, bend: number) {
  const [x0, y0, x2, y2] = [from.x + NODE.width / 2, from.y, to.x - NODE.width / 2, to.y];
  const length = Math.hypot(x2 - x0, y2 - y0);
  // The control point: the midpoint moved `bend` along the normal.
  return { x0, y0, x2, y2, cx: (x0 + x2) / 2 - (bend * (y2 - y0)) / length, cy: (y0 + y2) / 2 + (bend * (x2 - x0)) / length };
}

/**
 * A quadratic curve from `from`'s right side to `to`'s left side, bent by `bend` pixels, with an arrowhead; and the
 * op's label, three quarters of the way: near its block, where a block's two edges are apart, rather than at the
 * middle, where the edges leaving one state crowd.
 */
function edge(from: Placed, to: Placed, bend: number, op?: { op: string; above: boolean }): { line: string; label: string } {
  const { x0, y0, cx, cy, x2, y2 } = curve(from, to, bend);
  const [dx, dy] = [(x2 - cx) / Math.hypot(x2 - cx, y2 - cy), (y2 - cy) / Math.hypot(x2 - cx, y2 - cy)];
  const head = [
    [x2, y2],
    [x2 - 8 * dx - 4 * dy, y2 - 8 * dy + 4 * dx],
    [x2 - 8 * dx + 4 * dy, y2 - 8 * dy - 4 * dx],
  ];
  const stroke = op === undefined ? COLORS.grey : '#555';
  const f = (v: number) => v.toFixed(1);
  const path = `<path d="M${f(x0)},${f(y0)} Q${f(cx)},${f(cy)} ${f(x2)},${f(y2)}" fill="none" stroke="${stroke}" stroke-width="1.5"/>`;
  const arrow = `<polygon points="${head.map(([x, y]) => `${f(x!)},${f(y!)}`).join(' ')}" fill="${stroke}"/>`;
  // On a white halo, so crossing edges do not hide it.
  const at = (a: number, c: number, b: number) => f(0.0625 * a + 0.375 * c + 0.5625 * b);
  const label =
    op === undefined
      ? ''
      : `<text x="${at(x0, cx, x2)}" y="${f(Number(at(y0, cy, y2)) + (op.above ? -4 : 11))}" text-anchor="middle" font-size="10" fill="#222" ` +
        `stroke="#fff" stroke-width="3" paint-order="stroke">${escapeHtml(op.op)}</text>`;
  const attrs = `data-from="${escapeHtml(from.name)}" data-to="${escapeHtml(to.name)}" data-op="${escapeHtml(op?.op ?? 'concat')}"`;
  return { line: `<g class="edge" ${attrs}>${path}${arrow}</g>`, label };
}
