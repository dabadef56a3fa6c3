/**
 * How well ENAS's shared weights learn as the architecture changes from step to step: the enas-micro supernet (the
 * main job's network: 16 channels, 3 stages, stride-2 stem) trained on Fashion-MNIST with its own SGD, each step on
 * an architecture drawn from a pool of `--archs N` fixed ones (taken in turn) or, with `--archs uniform`, drawn
 * uniformly from the space every step. Prints the mean training accuracy of each window of `--every` steps. A
 * supernet whose accuracy on changing architectures stays far below one fixed architecture's ranks candidates by
 * noise (what the main job's search suffers from; README).
 *
 * --profile then prints the kernels that took longest over 5 more steps (tf.profile; calls and ms per step), to see where
 * a step's time goes.
 *
 * Run: npm run bench:supernet -- [--archs uniform|N] [--ops sep_conv_3x3,...] [--steps 200] [--every 50]
 *      [--lr 0.05] [--momentum 0.9] [--seed 1] [--profile]
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadDataset } from '../src/data/load.js';
import { endlessBatches } from '../src/search/weight-sharing-batches.js';
import { EnasMicroSpace, MICRO_OPS, type MicroOp } from '../src/space/enas-micro.js';
import { initBackend, tf } from '../src/tf/backend.js';
import { Supernet } from '../src/train/supernet/supernet.js';
import { Rng } from '../src/util/rng.js';
import { topKernels } from './top-kernels.js';

const number = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a non-negative number');
  return n;
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
};
const ops = (v: string) => {
  const list = v.split(',');
  const bad = list.find((op) => !(MICRO_OPS as readonly string[]).includes(op));
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not one of ${MICRO_OPS.join(', ')}`);
  return list as MicroOp[];
};
const opts = new Command('supernet-fidelity')
  .option('--archs <uniform|N>', 'uniform, or the number of fixed architectures taken in turn', 'uniform')
  .option('--ops <list>', "the space's ops, comma-separated", ops, [
    'sep_conv_3x3',
    'sep_conv_5x5',
    'avg_pool_3x3',
    'max_pool_3x3',
    'identity',
  ] as MicroOp[])
  .option('--steps <n>', 'shared-weight steps', count, 200)
  .option('--every <n>', 'steps per printed window', count, 50)
  .option('--lr <x>', 'SGD learning rate', number, 0.05)
  .option('--momentum <x>', 'Nesterov momentum', number, 0.9)
  .option('--seed <n>', 'seed of the weights, the draws and the batches', number, 1)
  .option('--profile', 'print the longest kernels of 5 more steps')
  .parse()
  .opts<{ archs: string; ops: MicroOp[]; steps: number; every: number; lr: number; momentum: number; seed: number; profile?: boolean }>();
if (opts.archs !== 'uniform' && !(Number.isInteger(Number(opts.archs)) && Number(opts.archs) > 0)) {
  throw new InvalidArgumentError(`--archs must be 'uniform' or a positive integer, not '${opts.archs}'`);
}

const backend = await initBackend('auto');
const data = await loadDataset({ name: 'fashion-mnist', validation: { size: 5000, seed: 0 } });
const space = new EnasMicroSpace({ blocks: 5, ops: opts.ops, channels: 16 });
const net = new Supernet(space, {
  inputShape: data.shape,
  classes: data.classes,
  channels: 16,
  stages: 3,
  stemStride: 2,
  seed: opts.seed,
  learningRate: opts.lr,
  momentum: opts.momentum,
});
const rng = new Rng(opts.seed);
const nextBatch = endlessBatches(data.train, data, 64, rng, true);
const pool = opts.archs === 'uniform' ? [] : Array.from({ length: Number(opts.archs) }, () => space.sample(rng));
console.log(`backend ${backend}; ops ${opts.ops.join(', ')}; architectures ${opts.archs}; lr ${opts.lr}, momentum ${opts.momentum}`);
let accuracy = 0;
for (let step = 1; step <= opts.steps; step++) {
  const arch = pool.length > 0 ? pool[(step - 1) % pool.length]! : space.sample(rng);
  accuracy += net.step(arch, nextBatch()).accuracy;
  if (step % opts.every === 0 || step === opts.steps) {
    const window = step % opts.every === 0 ? opts.every : step % opts.every;
    console.log(`steps ${step - window + 1}-${step}: training accuracy ${((100 * accuracy) / window).toFixed(1)} %`);
    accuracy = 0;
  }
}
if (opts.profile) {
  const PROFILED = 5;
  const info = await tf.profile(() => {
    for (let i = 0; i < PROFILED; i++) net.step(pool.length > 0 ? pool[i % pool.length]! : space.sample(rng), nextBatch());
  });
  console.log(`kernels over ${PROFILED} steps (per step):`);
  for (const k of topKernels(info, 20))
    console.log(`  ${k.kernel.padEnd(40)} ${(k.ms / PROFILED).toFixed(1).padStart(7)} ms  x${k.calls / PROFILED}`);
}
net.dispose();
