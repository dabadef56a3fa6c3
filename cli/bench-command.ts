import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runBenchmark } from '../src/bench/harness.js';
import { formatReport } from '../src/bench/format.js';
import { CONSTRAINED_REWARDS } from '../src/bench/latency-constraint.js';
import type { AlgorithmSpec, LatencyConstraintConfig } from '../src/bench/types.js';
import { MNAS_MODES } from '../src/reward/mnas.js';
import { ValidationError } from '../src/util/errors.js';
import { isStrategyName } from '../src/strategy/registry.js';
import { DEFAULT_TABLE_COLUMN } from '../src/bench/table.js';
import { progressDisplay } from '../src/progress/progress-display.js';
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

/** `--latency-target 12.5` (milliseconds) or `p25` (a percentile of the latency column). */
const latencyTarget = (value: string): number | { percentile: number } => {
  const p = /^p(\d+(?:\.\d+)?)$/.exec(value.trim());
  const n = Number(p ? p[1] : value);
  if (value.trim() !== '' && Number.isFinite(n) && n > 0 && (!p || n <= 100)) return p ? { percentile: n } : n;
  throw new InvalidArgumentError(
    '--latency-target must be milliseconds above 0 (12.5) or a percentile of the latency column (p25, up to p100)',
  );
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
    .option(
      '--latency-table <csv>',
      "latencies per architecture ('arch,<column>...', the same arch key): judge searches under a latency target",
    )
    .option('--latency-column <name>', "the latency table's column, in milliseconds (e.g. raspi4_latency)")
    .option('--latency-target <ms|pNN>', 'the target T: milliseconds, or a percentile of the latency column (p25)', latencyTarget)
    .addOption(
      new Option('--reward <name>', "with a latency table: the strategies' reward, the accuracy alone or MnasNet's ACC × (LAT/T)^w")
        .choices(CONSTRAINED_REWARDS)
        .default('accuracy'),
    )
    .addOption(
      new Option('--latency-mode <mode>', "MnasNet's exponents: soft (α = β = −0.07) or hard (α = 0, β = −1)")
        .choices(Object.keys(MNAS_MODES))
        .default('soft'),
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
      const latency = latencyConstraint(opts);
      // A redrawn bar on a terminal, a line now and then with the ETA in a log.
      const display = progressDisplay(process.stderr);
      const report = await runBenchmark(
        {
          ...(latency ? { latency } : {}),
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
        (done, total) => display.update({ phase: 'search', done, total, unit: 'searches' }),
      ).finally(() => display.stop());
      console.log(formatReport(report));
      if (opts.json) writeFileSync(opts.json as string, `${JSON.stringify(report, null, 2)}\n`);
    });
}

/** The latency flags, which go together: a table, its column and a target, or none of them. */
function latencyConstraint(opts: Record<string, unknown>): LatencyConstraintConfig | undefined {
  const given = ['latencyTable', 'latencyColumn', 'latencyTarget'].filter((k) => opts[k] !== undefined);
  if (given.length === 0) {
    if (opts.reward === 'mnas') throw new ValidationError('--reward', 'mnas needs --latency-table, --latency-column and --latency-target');
    return undefined;
  }
  if (given.length < 3) {
    throw new ValidationError('--latency-table', 'needs --latency-column and --latency-target with it (all three, or none)');
  }
  return {
    table: opts.latencyTable as string,
    column: opts.latencyColumn as string,
    target: opts.latencyTarget as LatencyConstraintConfig['target'],
    reward: opts.reward as LatencyConstraintConfig['reward'],
    mode: opts.latencyMode as LatencyConstraintConfig['mode'],
  };
}
