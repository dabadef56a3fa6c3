import type { MicroCell } from '../space/enas-micro.js';
import type { MnasBlock } from '../space/mnas.js';
import { NB201_EDGES } from '../space/nb201.js';
import type { GraphBuilder, T } from './graph.js';
import { cellOp, factorizedReduce, nb201Op, reluConvBn } from './ops.js';

/** NAS-Bench-201 cell: node j sums its edge ops over nodes 0..j-1; the output is node 3. */
export function nb201Cell(g: GraphBuilder, ops: readonly string[], x: T): T {
  const nodes: T[] = [x];
  for (let to = 1; to <= 3; to++) {
    const terms = NB201_EDGES.flatMap(([t, from], e) => (t === to ? [nb201Op(g, ops[e]!, nodes[from]!)] : []));
    nodes.push(g.add(terms));
  }
  return nodes[3]!;
}

/** NAS-Bench-201 residual reduction block: two 3x3 ReLU-conv-BN (first stride 2), shortcut avg-pool 2x2 + 1x1 conv. */
export function nb201ResBlock(g: GraphBuilder, x: T, filters: number): T {
  const b = reluConvBn(g, reluConvBn(g, x, filters, 3, 2), filters, 3, 1);
  const shortcut = g.conv(g.pool(x, 'avg', 2, 2), filters, 1);
  return g.add([b, shortcut]);
}

/**
 * ENAS micro / NASNet cell on the outputs of the two previous cells. Both are first mapped to `filters` channels
 * (1x1 ReLU-conv-BN, or factorized reduce when s0 is still at the higher resolution); in a reduction cell the ops
 * reading the cell inputs have stride 2. The output concatenates the unused blocks.
 */
export function microCell(g: GraphBuilder, cell: MicroCell, s0: T, s1: T, filters: number, reduction: boolean): T {
  let p0 = s0;
  while ((p0.shape[0] ?? 0) > (s1.shape[0] ?? 0)) p0 = factorizedReduce(g, p0, filters);
  if (p0 === s0) p0 = reluConvBn(g, s0, filters, 1);
  const states: T[] = [p0, reluConvBn(g, s1, filters, 1)];
  for (const block of cell.blocks) {
    const terms = block.inputs.map((input, k) => {
      const stride = reduction && input < 2 ? 2 : 1;
      return cellOp(g, block.ops[k]!, states[input]!, filters, stride);
    });
    states.push(g.add(terms));
  }
  return g.concat(cell.concat.map((s) => states[s]!));
}

/** Squeeze-and-excite: GAP -> dense(squeeze, relu) -> dense(c, sigmoid) -> scale the feature map. */
export function squeezeExcite(g: GraphBuilder, x: T, squeeze: number): T {
  const c = g.channels(x);
  const gate = g.dense(g.dense(g.gap(x), squeeze, 'relu'), c, 'sigmoid');
  return g.multiply(x, g.reshape(gate, [1, 1, c]));
}

function convBnRelu(g: GraphBuilder, x: T, filters: number, kernel: number, stride = 1): T {
  return g.relu(g.bn(g.conv(x, filters, kernel, stride)));
}

/**
 * One layer of an MnasNet block. mbconv_eN: 1x1 expand (xN) -> kxk depthwise -> [SE] -> 1x1 linear projection;
 * dwconv: kxk depthwise -> [SE] -> 1x1 linear projection; conv: kxk conv -> [SE]. Each conv is followed by BN and,
 * except the projections, ReLU. SE squeezes to max(1, floor(in * seRatio)) channels. An identity skip is added
 * when skipOp is 'identity' and the shapes allow (stride 1, same channels).
 */
export function mnasLayer(g: GraphBuilder, block: MnasBlock, x: T, filters: number, stride: number): T {
  const cin = g.channels(x);
  const se = (y: T) => (block.seRatio > 0 ? squeezeExcite(g, y, Math.max(1, Math.floor(cin * block.seRatio))) : y);
  let y: T;
  if (block.convOp === 'conv') {
    y = se(convBnRelu(g, x, filters, block.kernel, stride));
  } else {
    const expansion = block.convOp === 'mbconv_e3' ? 3 : block.convOp === 'mbconv_e6' ? 6 : 1;
    const expanded = expansion === 1 ? x : convBnRelu(g, x, cin * expansion, 1);
    const dw = se(g.relu(g.bn(g.dwconv(expanded, block.kernel, stride))));
    y = g.bn(g.conv(dw, filters, 1));
  }
  return block.skipOp === 'identity' && stride === 1 && cin === filters ? g.add([y, x]) : y;
}
