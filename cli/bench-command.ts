import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runBenchmark } from '../src/bench/harness.js';
import { formatReport } from '../src/bench/format.js';
import type { AlgorithmSpec } from '../src/bench/types.js';
import { isStrategyName } from '../src/strategy/registry.js';
import { DEFAULT_TABLE_COLUMN } from '../src/bench/table.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt } from './options.js';
import { STRATEGY_NAMES } from '../src/strategy/types.js';
import { SPACE_NAMES, type SpaceName } from '../src/space/types.js';
import { BACKEND_CHOICES, type BackendChoice } from '../src/tf/backend.js';

const algorithmList = (value: string): string[] => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !isStrategyName(n));
  if (bad) throw new InvalidArgumentError(`unknown algorithm '${bad}' (allowed: ${STRATEGY_NAMES.join(', ')})`);
  return names;
};

const jsonObject = (value: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object mapping algorithm names to their options');
};

export function benchCommand(): Command {
  return new Command('bench')
    .description('compare search strategies on a tabular benchmark (an evaluation is a table look-up)')
    .addOption(new Option('--space <name>', 'search space of the table').choices(SPACE_NAMES).default('nb201'))
    .requiredOption('--table <csv>', "benchmark table with header 'arch,<column>[,<column>...]' (NAS-Bench-201's: 'arch,test_accuracy')")
    .option('--reward-column <name>', 'the column the strategies are rewarded with', DEFAULT_TABLE_COLUMN)
    .option('--report-column <name>', 'the column reported, for the architecture with the best reward so far (default: the reward column)')
    .option(
      '--reward-noise <sigma>',
      "Gaussian noise added to each query's reward, in the column's units (seeded)",
      nonNegativeNumber('--reward-noise'),
      0,
    )
    .option('--algorithms <list>', `comma-separated: ${STRATEGY_NAMES.join(',')}`, algorithmList, [...STRATEGY_NAMES])
    .option('--queries <n>', 'evaluations each search may make (distinct architectures)', positiveInt('--queries'), 200)
    .option('--seeds <n>', 'independent searches per algorithm', positiveInt('--seeds'), 100)
    .option('--seed-offset <n>', 'first seed', nonNegativeInt('--seed-offset'), 0)
    .option('--parallel <n>', 'architectures proposed at once', positiveInt('--parallel'), 1)
    .option('--threads <n>', 'worker threads', positiveInt('--threads'), availableParallelism())
    .option('--options <json>', 'strategy options per algorithm, e.g. {"ppo":{"learningRate":0.01}}', jsonObject, {})
    .addOption(new Option('--backend <name>', 'tfjs backend for the controllers').choices(BACKEND_CHOICES).default('auto'))
    .option('--json <file>', 'also write the report as JSON')
    .action(async (opts) => {
      const algorithms: AlgorithmSpec[] = (opts.algorithms as string[]).map((strategy) => ({
        strategy,
        options: (opts.options as Record<string, unknown>)[strategy],
      }));
      const report = await runBenchmark(
        {
          space: { name: opts.space as SpaceName },
          table: opts.table as string,
          protocol: {
            rewardColumn: opts.rewardColumn as string,
            reportColumn: (opts.reportColumn ?? opts.rewardColumn) as string,
            rewardNoise: opts.rewardNoise as number,
          },
          algorithms,
          queries: opts.queries as number,
          seeds: opts.seeds as number,
          seedOffset: opts.seedOffset as number,
          parallel: opts.parallel as number,
          threads: opts.threads as number,
          backend: opts.backend as BackendChoice,
        },
        // Progress only on a terminal: redirected output (CI logs, files) stays readable.
        process.stderr.isTTY ? (done, total) => process.stderr.write(`\r${done}/${total} searches`) : undefined,
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(formatReport(report));
      if (opts.json) writeFileSync(opts.json as string, `${JSON.stringify(report, null, 2)}\n`);
    });
}
