/**
 * Which controller settings find good architectures with few evaluations? Runs the LSTM controller (REINFORCE and
 * PPO) and Q-learning with single settings changed from the defaults, beside random search and regularized
 * evolution, on one benchmark table with the same seeds.
 *
 *   npm run bench:ablation -- --table bench/tables/nb201-cifar10.csv --seeds 100 [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { formatReport } from '../src/bench/format.js';
import { runBenchmark } from '../src/bench/harness.js';
import type { AlgorithmSpec } from '../src/bench/types.js';

const VARIANTS: AlgorithmSpec[] = [
  { strategy: 'random' },
  { strategy: 'evolution' },
  { label: 'reinforce (defaults)', strategy: 'reinforce' },
  {
    label: 'reinforce, ENAS settings',
    strategy: 'reinforce',
    options: { learningRate: 0.0035, tanhConstant: 1.1, baselineDecay: 0.99, replay: { top: 0 }, rewardTransform: 'raw' },
  },
  { label: 'reinforce, raw reward', strategy: 'reinforce', options: { rewardTransform: 'raw' } },
  { label: 'reinforce, no replay', strategy: 'reinforce', options: { replay: { top: 0 } } },
  { label: 'reinforce, tanh 1.1', strategy: 'reinforce', options: { tanhConstant: 1.1 } },
  { label: 'reinforce, lr 0.0035', strategy: 'reinforce', options: { learningRate: 0.0035 } },
  { label: 'reinforce, baseline 0.99', strategy: 'reinforce', options: { baselineDecay: 0.99 } },
  { label: 'ppo (defaults)', strategy: 'ppo' },
  { label: 'ppo, no replay', strategy: 'ppo', options: { replay: { top: 0 } } },
  { label: 'ppo, tanh 1.1', strategy: 'ppo', options: { tanhConstant: 1.1 } },
  { label: 'ppo, 4 epochs lr 0.01', strategy: 'ppo', options: { epochs: 4, learningRate: 0.01 } },
  { label: 'qlearning (defaults)', strategy: 'qlearning' },
  { label: 'qlearning, BlockQNN α 0.01', strategy: 'qlearning', options: { learningRate: 0.01 } },
  { label: 'qlearning, ε decay 150', strategy: 'qlearning', options: { epsilonDecaySteps: 150 } },
];

const opts = new Command('controller-ablation')
  .requiredOption('--table <csv>')
  .option('--seeds <n>', 'seeds per variant', Number, 100)
  .option('--queries <n>', 'queries per search', Number, 200)
  .option('--threads <n>', 'worker threads', Number, availableParallelism())
  .option('--json <file>')
  .parse()
  .opts<{ table: string; seeds: number; queries: number; threads: number; json?: string }>();

const report = await runBenchmark(
  {
    space: { name: 'nb201' },
    table: opts.table,
    algorithms: VARIANTS,
    queries: opts.queries,
    seeds: opts.seeds,
    seedOffset: 0,
    parallel: 1,
    threads: opts.threads,
    backend: 'wasm',
  },
  (done, total) => process.stderr.write(`\r${done}/${total} searches`),
);
process.stderr.write('\n');
console.log(formatReport(report));
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
