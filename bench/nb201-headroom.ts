/**
 * How far can a searched cell beat a residual design of its own size? NAS-Bench-201 trained every one of its 15,625
 * cells on CIFAR-10 for 200 epochs, and one of them is a (pre-activation) ResNet basic block: two 3x3 ReLU-conv-BN
 * in a row plus the identity shortcut. This prints that cell's accuracy and rank, the best cells at no more than its
 * parameters and within ±15 % of them (the main job's size match), and how many cells beat it by `--margin` points,
 * parameters counted in NAS-Bench-201's own network (`NB201_CIFAR10_NETWORK`). No training; a second or two.
 *
 *   npm run bench:nb201-headroom -- --table bench/tables/nb201-cifar10.csv [--margin 0.5]
 */
import { Command } from 'commander';
import { BenchmarkTable } from '../src/bench/table.js';
import { NB201_CIFAR10_NETWORK } from '../src/search/benchmark-evaluator.js';
import { Nb201Space } from '../src/space/nb201.js';
import { architectureCost } from '../src/train/cost.js';
import { SIZE_TOLERANCE } from '../src/train/size-matched-baseline.js';

const RESIDUAL_CELL = '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|';

const opts = new Command('nb201-headroom')
  .requiredOption('--table <csv>')
  .option('--margin <points>', 'margin over the residual cell to count cells at', Number, 0.5)
  .parse()
  .opts<{ table: string; margin: number }>();

const space = new Nb201Space();
const table = BenchmarkTable.load(opts.table, space);
const cells = [...table.entries()].map(([arch, accuracy]) => ({
  name: space.encode(arch),
  accuracy,
  params: architectureCost(space, arch, NB201_CIFAR10_NETWORK).params,
}));
cells.sort((a, b) => b.accuracy - a.accuracy);

const residual = cells.find((c) => c.name === RESIDUAL_CELL);
if (!residual) throw new Error(`${opts.table} has no row for the residual cell ${RESIDUAL_CELL}`);
const rankOf = (accuracy: number) => cells.filter((c) => c.accuracy > accuracy).length + 1;

const groups = [
  ['any size', () => true],
  [`within ±${SIZE_TOLERANCE * 100} % of its parameters`, (p: number) => Math.abs(p / residual.params - 1) <= SIZE_TOLERANCE],
  ['at most its parameters', (p: number) => p <= residual.params],
] as const;

console.log(
  `residual cell ${RESIDUAL_CELL}: ${residual.accuracy} %, ${residual.params} params, rank ${rankOf(residual.accuracy)} of ${cells.length}`,
);
for (const [label, inGroup] of groups) {
  const group = cells.filter((c) => inGroup(c.params));
  const best = group[0]!;
  const better = group.filter((c) => c.accuracy > residual.accuracy).length;
  const beyond = group.filter((c) => c.accuracy >= residual.accuracy + opts.margin).length;
  const diff = (best.accuracy - residual.accuracy).toFixed(2);
  console.log(
    `${label}, ${group.length} cells: the best ${best.accuracy} % (${diff} points over the residual cell), ` +
      `${best.params} params, ${best.name}; ${better} beat the residual cell, ${beyond} by ${opts.margin} points or more`,
  );
}
