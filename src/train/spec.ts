import type { EnasMacroSpace } from '../space/enas-macro.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import type { MnasSpace } from '../space/mnas.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import { microCell, mnasLayer, nb201Cell, nb201ResBlock } from './cells.js';
import { GraphBuilder, type T } from './graph.js';
import { NB201_OPS } from '../space/nb201.js';
import { cellOp, factorizedReduce } from './ops.js';
import type { NetworkConfig, NetworkSpec } from './types.js';

/**
 * The layer graph of `arch` placed in the network `config` describes. Pure (no tfjs): the cost model and the tfjs
 * builder both read it.
 *
 * - nb201: stem 3x3 conv-BN (stride `stemStride`, default 1), `stages` stages of `cellsPerStage` cells with the NB201 residual block (channels x2)
 *   between stages, BN-ReLU, global average pooling, dense.
 * - enas-micro: stem 3x3 conv-BN (MICRO_STEM_MULTIPLIER times the channels), stages of `cellsPerStage` normal cells
 *   with a reduction cell (channels x2) between stages (NASNet/DARTS stacking, each cell reads the two previous
 *   cells), ReLU, GAP, dense.
 * - enas-macro: stem 3x3 conv-BN, the searched layers (op on the previous layer's output plus the chosen skips)
 *   split evenly into `stages` stages; at each stage boundary the previous output and every later-used skip source
 *   are factorized-reduced to twice the channels. GAP, dense. With fewer layers than stages, fewer reductions.
 * - mnas: stem 3x3 conv(stride `stemStride`)-BN-ReLU with `channels` filters, the seven searched blocks, a 1x1
 *   head conv-BN-ReLU, GAP, dense.
 */
export function networkSpec(space: SearchSpace, arch: Architecture, config: NetworkConfig): NetworkSpec {
  const g = new GraphBuilder();
  const x = g.input(config.inputShape);
  let features: T;
  switch (space.name) {
    case 'nb201':
      features = nb201Body(g, space, arch, x, config);
      break;
    case 'enas-micro':
      features = microBody(g, space as EnasMicroSpace, arch, x, config);
      break;
    case 'enas-macro':
      features = macroBody(g, space as EnasMacroSpace, arch, x, config);
      break;
    case 'mnas':
      features = mnasBody(g, space as MnasSpace, arch, x, config);
      break;
  }
  return g.spec(g.dense(g.gap(features), config.classes, config.outputActivation ?? 'linear'));
}

const stagesOf = (c: NetworkConfig) => c.stages ?? 3;
const cellsOf = (c: NetworkConfig) => c.cellsPerStage ?? 1;

function stem(g: GraphBuilder, x: T, config: NetworkConfig): T {
  return g.bn(g.conv(x, config.channels, 3, config.stemStride ?? 1));
}

function nb201Body(g: GraphBuilder, space: SearchSpace, arch: Architecture, x: T, config: NetworkConfig): T {
  space.validate(arch);
  const ops = arch.map((i) => NB201_OPS[i]!);
  let h = stem(g, x, config);
  for (let s = 0; s < stagesOf(config); s++) {
    if (s > 0) h = nb201ResBlock(g, h, config.channels * 2 ** s);
    for (let n = 0; n < cellsOf(config); n++) h = nb201Cell(g, ops, h);
  }
  return g.relu(g.bn(h));
}

/**
 * The micro stem's width relative to the first stage's cells (ENAS's micro child and DARTS use 3): a stem as narrow as
 * the cells is a bottleneck, above all a stride-2 one, and costs the network little (a 3x3 conv on the image).
 */
export const MICRO_STEM_MULTIPLIER = 3;

function microBody(g: GraphBuilder, space: EnasMicroSpace, arch: Architecture, x: T, config: NetworkConfig): T {
  const { normal, reduce } = space.cells(arch);
  let s0 = stem(g, x, { ...config, channels: config.channels * MICRO_STEM_MULTIPLIER });
  let s1 = s0;
  for (let s = 0; s < stagesOf(config); s++) {
    const filters = config.channels * 2 ** s;
    const cells = [...(s > 0 ? [{ cell: reduce, reduction: true }] : [])];
    for (let n = 0; n < cellsOf(config); n++) cells.push({ cell: normal, reduction: false });
    for (const { cell, reduction } of cells) [s0, s1] = [s1, microCell(g, cell, s0, s1, filters, reduction)];
  }
  // ReLU before global pooling, as in ENAS, NASNet and the supernet: a cell's output is a sum of BN outputs.
  return g.relu(s1);
}

function macroBody(g: GraphBuilder, space: EnasMacroSpace, arch: Architecture, x: T, config: NetworkConfig): T {
  const layers = space.layers(arch);
  let filters = config.channels;
  let prev = stem(g, x, config);
  const outputs: T[] = [];
  let stage = 0;
  layers.forEach((layer, i) => {
    for (const target = Math.floor((i * stagesOf(config)) / layers.length); stage < target; stage++) {
      filters *= 2;
      prev = factorizedReduce(g, prev, filters);
      outputs.forEach((o, j) => {
        if (layers.slice(i).some((l) => l.skips.includes(j))) outputs[j] = factorizedReduce(g, o, filters);
      });
    }
    prev = g.add([cellOp(g, layer.op, prev, filters, 1), ...layer.skips.map((j) => outputs[j]!)]);
    outputs.push(prev);
  });
  return prev;
}

/** Multiple of 8, at least 8, as MobileNet rounds widths. */
export function roundFilters(filters: number, multiplier: number): number {
  return Math.max(8, Math.round((filters * multiplier) / 8) * 8);
}

function mnasBody(g: GraphBuilder, space: MnasSpace, arch: Architecture, x: T, config: NetworkConfig): T {
  const wm = config.widthMultiplier ?? 1;
  let h = g.relu(g.bn(g.conv(x, config.channels, 3, config.stemStride ?? 2)));
  for (const block of space.blocks(arch)) {
    const filters = roundFilters(block.filters, wm);
    for (let l = 0; l < block.layers; l++) h = mnasLayer(g, block, h, filters, l === 0 ? block.stride : 1);
  }
  const head = config.headChannels ?? 1280;
  return head > 0 ? g.relu(g.bn(g.conv(h, roundFilters(head, wm), 1))) : h;
}
