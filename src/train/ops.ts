import type { GraphBuilder, T } from './graph.js';

/** ReLU -> conv (no bias) -> BN, the DARTS / NAS-Bench-201 ordering. */
export function reluConvBn(g: GraphBuilder, x: T, filters: number, kernel: number, stride = 1, dilation = 1): T {
  return g.bn(g.conv(g.relu(x), filters, kernel, stride, dilation));
}

/** DARTS SepConv: (ReLU -> depthwise kxk -> pointwise 1x1 -> BN) twice, the stride on the first depthwise. */
export function sepConv(g: GraphBuilder, x: T, filters: number, kernel: number, stride = 1): T {
  const mid = g.bn(g.conv(g.dwconv(g.relu(x), kernel, stride), g.channels(x), 1));
  return g.bn(g.conv(g.dwconv(g.relu(mid), kernel), filters, 1));
}

/**
 * DARTS DilConv: ReLU -> dilated (rate 2) depthwise kxk -> pointwise 1x1 -> BN. tfjs cannot combine a stride > 1
 * with a dilation > 1, so a reducing DilConv runs the depthwise at stride 1 and puts the stride on the pointwise conv
 * (same parameters; the depthwise MACs are those of the full resolution).
 */
export function dilConv(g: GraphBuilder, x: T, filters: number, kernel: number, stride = 1): T {
  return g.bn(g.conv(g.dwconv(g.relu(x), kernel, 1, 2), filters, 1, stride));
}

/** DARTS FactorizedReduce: ReLU, two 1x1 stride-2 convs on the input and on it shifted by one pixel, concat, BN. */
export function factorizedReduce(g: GraphBuilder, x: T, filters: number): T {
  const r = g.relu(x);
  const half = Math.floor(filters / 2);
  const a = g.conv(r, half, 1, 2);
  const b = g.conv(g.shift(r), filters - half, 1, 2);
  return g.bn(g.concat([a, b]));
}

/** Maps x to `filters` channels at `stride`: identity when nothing changes, else 1x1 ReLU-conv-BN or reduce. */
export function adapt(g: GraphBuilder, x: T, filters: number, stride: number): T {
  if (stride === 1) return g.channels(x) === filters ? x : reluConvBn(g, x, filters, 1);
  return factorizedReduce(g, x, filters);
}

const KERNEL = /_(\d)x\d$/;

function kernelOf(op: string): number {
  const k = KERNEL.exec(op)?.[1];
  if (k === undefined) throw new Error(`op '${op}' names no kernel size`);
  return Number(k);
}

/**
 * ENAS micro / macro op producing `filters` channels at `stride`. Pools are 3x3 'same' and keep the channel count
 * (a 1x1 ReLU-conv-BN follows when it differs); identity at stride 2 is a factorized reduce.
 */
export function cellOp(g: GraphBuilder, op: string, x: T, filters: number, stride: number): T {
  if (op.startsWith('sep_conv_')) return sepConv(g, x, filters, kernelOf(op), stride);
  if (op.startsWith('dil_conv_')) return dilConv(g, x, filters, kernelOf(op), stride);
  if (op.startsWith('conv_')) return reluConvBn(g, x, filters, kernelOf(op), stride);
  if (op === 'avg_pool_3x3' || op === 'max_pool_3x3') {
    const pooled = g.pool(x, op === 'avg_pool_3x3' ? 'avg' : 'max', 3, stride);
    return adapt(g, pooled, filters, 1);
  }
  if (op === 'identity' || op === 'skip_connect') return adapt(g, x, filters, stride);
  throw new Error(`unknown op '${op}'`);
}

/** NAS-Bench-201 edge op (stride 1, same channels); 'none' is a zero tensor. */
export function nb201Op(g: GraphBuilder, op: string, x: T): T {
  const c = g.channels(x);
  switch (op) {
    case 'none':
      return g.zero(x);
    case 'skip_connect':
      return x;
    case 'nor_conv_1x1':
      return reluConvBn(g, x, c, 1);
    case 'nor_conv_3x3':
      return reluConvBn(g, x, c, 3);
    case 'avg_pool_3x3':
      return g.pool(x, 'avg', 3, 1);
    default:
      throw new Error(`unknown nb201 op '${op}'`);
  }
}
