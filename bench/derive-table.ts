/**
 * A benchmark table with one more column derived from one of its own: `--name` = `--from` + N(0, sigma²) drawn once
 * per architecture (seeded, in the table's order), a fixed per-architecture error like a short training's validation
 * accuracy against the final test accuracy. With it, `nasmesh bench --reward-column <name> --report-column <from>`
 * searches on an estimate and reports the truth, as the papers' protocols do.
 *
 * Run: npm run bench:derive-table -- --table bench/tables/nb201-cifar10.csv --from test_accuracy --name proxy_accuracy
 *      --sigma 0.5 [--seed 0] [--space nb201] --out proxy.csv
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BenchmarkTable } from '../src/bench/table.js';
import { createSpace } from '../src/space/registry.js';
import { SPACE_NAMES, type SpaceName } from '../src/space/types.js';
import { Rng } from '../src/util/rng.js';

const nonNegative = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a finite number ≥ 0');
  return n;
};
const opts = new Command('derive-table')
  .requiredOption('--table <csv>', "a table 'arch,<column>[,...]'")
  .requiredOption('--from <column>', 'the column to derive from')
  .requiredOption('--name <column>', 'the new column')
  .requiredOption('--sigma <x>', 'standard deviation of the per-architecture error', nonNegative)
  .option('--seed <n>', 'seeds the errors', nonNegative, 0)
  .addOption(new Option('--space <name>', 'the space of the table').choices(SPACE_NAMES).default('nb201'))
  .requiredOption('--out <csv>', 'where to write the table with the new column last')
  .parse()
  .opts<{ table: string; from: string; name: string; sigma: number; seed: number; space: SpaceName; out: string }>();

const space = createSpace({ name: opts.space });
const table = BenchmarkTable.load(opts.table, space, [opts.from]);
if (table.columns.includes(opts.name)) throw new InvalidArgumentError(`--name: ${opts.table} already has a column '${opts.name}'`);
const rng = new Rng(opts.seed);
// Values stay non-negative (a table's values are), at 4 decimals as NAS-Bench-201's.
const derived = (v: number) => Math.max(0, v + opts.sigma * rng.normal()).toFixed(4);
const rows = [...table.entries()].map(([arch]) => {
  const values = table.columns.map((c) => table.value(arch, c));
  return [space.encode(arch), ...values, derived(table.value(arch, opts.from))].join(',');
});
writeFileSync(opts.out, `${['arch', ...table.columns, opts.name].join(',')}\n${rows.join('\n')}\n`);
console.log(
  `${opts.out}: ${rows.length} architectures, ${opts.name} = ${opts.from} + N(0, ${opts.sigma}²) per architecture (seed ${opts.seed})`,
);
