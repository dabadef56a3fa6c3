/**
 * The random baseline on real training (Li & Talwalkar 2019; Yang et al. 2020): cells drawn uniformly from a search
 * spec's space, each trained exactly as its final stage trains the searched cell, set beside the searched cells of
 * results directories, the papers' published cells and the size-matched baseline, all in the same harness.
 * `npm run bench:random-cells` (bench/random-cells.ts) is the command; test/bench/random-cells.test.ts runs a short one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { type Distribution, describeDistribution, percentileAmong } from '../src/bench/distribution.js';
import { loadDataset } from '../src/data/load.js';
import { type FinalStageOptions, retrainArchitecture, trainBaseline } from '../src/search/final-stage.js';
import { trainingProgress } from '../src/search/training-progress.js';
import type { FinalResult, SearchProgress } from '../src/search/types.js';
import { MICRO_OPS, type MicroOp } from '../src/space/enas-micro.js';
import { PUBLISHED_CELLS, type PublishedCellName } from '../src/space/published-cells.js';
import { createSpace, type SpaceConfig } from '../src/space/registry.js';
import type { SearchSpace } from '../src/space/types.js';
import { loadSearchSpec } from '../src/spec/load.js';
import { type SearchSpec, searchSpecSchema } from '../src/spec/search-spec.js';
import { type BackendName, tf } from '../src/tf/backend.js';
import { describeMachine, type MachineRecord } from '../src/tf/machine.js';
import { datasetNetwork } from '../src/train/dataset-network.js';
import { NasmeshError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';
import { parseWith } from '../src/util/schema.js';
import { writeAtomic } from '../src/util/write-atomic.js';

export interface RandomCellsOptions {
  /** The search spec whose space, final stage (network, epochs, schedule, replicas) and baseline to use. */
  spec: string;
  /** Random cells to draw. */
  cells: number;
  /** The harness's seed (as the final stage's, the search's seed); default the spec's. */
  seed?: number;
  /** Seeds the draw; default the harness seed. The same draw seed at two harness seeds retrains the same cells. */
  drawSeed?: number;
  /** Results directories of `nasmesh run` with this spec: their retrained cells are set beside the random ones. */
  results?: readonly string[];
  /** The papers' cells retrained beside them. */
  published?: readonly PublishedCellName[];
  /** Train the spec's size-matched baseline too (sized to the first results directory's cell, else the random median). */
  baseline?: boolean;
  /** Where the report goes after every training; a run with the same settings continues from what it holds. */
  json?: string;
  onLog?: (line: string) => void;
  onProgress?: (progress: SearchProgress) => void;
}

/** A cell (or the baseline) trained in the harness; accuracies in percent. */
export interface CellResult {
  label: string;
  kind: 'random' | 'searched' | 'published' | 'baseline';
  /** The cell in its space's text form; the baseline's widths for the baseline. */
  arch: string;
  testAccuracy: number;
  validationAccuracy: number;
  params: number;
  macs: number;
  seconds: number;
  /** `summary.json` where a results directory's own retraining in the same harness, seed and kernels was reused. */
  from: 'trained' | 'summary.json';
}

/** A cell set beside the random ones: by how many points it beats their mean, and its percentile among them. */
export interface ComparedCell extends CellResult {
  differenceFromMean: number;
  percentile: number;
}

export interface RandomCellsReport {
  spec: string;
  harness: Harness;
  drawSeed: number;
  machine: MachineRecord;
  random: CellResult[];
  /** Of the random cells' test accuracies (percent). */
  distribution: Distribution | null;
  compared: ComparedCell[];
}

/** What decides a cell's accuracy besides the cell: equal harnesses give equal results on the same kernels. */
interface Harness {
  seed: number;
  dataset: NonNullable<SearchSpec['spec']['dataset']>;
  network: SearchSpec['spec']['network'];
  epochs: number;
  batchSize: number;
  learningRate: number;
  replicas: number;
  backend: BackendName;
}

export async function runRandomCells(o: RandomCellsOptions): Promise<RandomCellsReport> {
  const search = loadSearchSpec(o.spec);
  const { final, dataset } = search.spec;
  if (!final || !dataset) throw new NasmeshError(`${o.spec}: needs spec.dataset and spec.final (the harness the cells train in)`);
  if (!Number.isInteger(o.cells) || o.cells < 0) throw new NasmeshError(`--cells: must be a non-negative integer, not ${o.cells}`);
  const seed = o.seed ?? search.spec.seed;
  const drawSeed = o.drawSeed ?? seed;
  const harness = harnessOf(search, seed);
  const machine = describeMachine();
  const space = createSpace(search.spec.space);
  const data = await loadDataset(dataset);
  const network = datasetNetwork(data, harness.network);
  const training: FinalStageOptions = {
    epochs: final.epochs,
    batchSize: final.batchSize,
    learningRate: final.learningRate,
    seed,
    replicas: final.replicas,
    backend: harness.backend,
    onBatch: (run, p) => o.onProgress?.(trainingProgress('final', run, p)),
  };
  const log = o.onLog ?? (() => {});
  const earlier = readEarlier(o.json, harness, drawSeed, machine);
  const report: RandomCellsReport = { spec: o.spec, harness, drawSeed, machine, random: [], distribution: null, compared: [] };
  const save = async () => {
    report.distribution = report.random.length > 0 ? describeDistribution(report.random.map((c) => c.testAccuracy)) : null;
    report.compared = report.compared.map((c) => compare(c, report.random));
    if (o.json) await writeAtomic(o.json, `${JSON.stringify(report, null, 2)}\n`);
  };

  const clock = { started: performance.now(), trained: 0, toTrain: 0 };
  // Trains `arch` unless an earlier run of the same settings did; logs it with the whole run's ETA.
  const train = async (label: string, kind: CellResult['kind'], cellSpace: SearchSpace, arch: number[]): Promise<CellResult> => {
    const text = cellSpace.encode(arch);
    const known = earlier.find((c) => c.kind === kind && c.label === label && c.arch === text);
    if (known) {
      log(`${label}: ${describe(known)} (from ${o.json})`);
      return known;
    }
    const result = cellResult(label, kind, text, await retrainArchitecture(cellSpace, arch, data, network, training, label), 'trained');
    clock.trained += 1;
    log(`${label}: ${describe(result)}${eta(clock)}`);
    return result;
  };

  const random = drawCells(space, o.cells, drawSeed);
  const searched = (o.results ?? []).map((dir) => searchedCell(dir, harness, machine, space));
  const published = (o.published ?? []).map((name) => ({ name, space: publishedSpace(search.spec.space as SpaceConfig, name) }));
  const wantBaseline = (o.baseline ?? true) && final.baseline !== undefined;
  clock.toTrain =
    random.filter((a) => !earlier.some((c) => c.kind === 'random' && c.arch === space.encode(a))).length +
    searched.filter((s) => !s.reused).length +
    published.length +
    (wantBaseline && !searched[0]?.reusedBaseline ? 1 : 0);
  log(
    `${o.cells} random cells of ${space.name} (draw seed ${drawSeed}), harness seed ${seed}: ${final.epochs} epochs, ${describeNetwork(harness.network)}`,
  );

  for (const [i, arch] of random.entries()) {
    report.random.push(await train(`random ${i + 1}/${random.length}`, 'random', space, arch));
    await save();
  }
  for (const s of searched) {
    const result = s.reused ?? (await train(s.label, 'searched', space, s.arch));
    report.compared.push(compare(result, report.random));
    await save();
  }
  for (const p of published) {
    report.compared.push(compare(await train(p.name, 'published', p.space, p.space.decode(PUBLISHED_CELLS[p.name])), report.random));
    await save();
  }
  if (wantBaseline) {
    const first = searched[0];
    const target = first ? (first.reused ?? report.compared[0]!).params : median(report.random.map((c) => c.params));
    const label = `${final.baseline!} sized to ${first ? first.label : 'the random median'}`;
    let baseline = first?.reusedBaseline && { ...first.reusedBaseline, label };
    if (!baseline) {
      const known = earlier.find((c) => c.kind === 'baseline' && c.label === label);
      if (known) baseline = known;
      else {
        const trained = await trainBaseline(final.baseline!, target, data, network, training);
        baseline = cellResult(label, 'baseline', widths((trained.architecture as { channels: number[] }).channels), trained, 'trained');
        clock.trained += 1;
      }
    }
    log(`${label}: ${describe(baseline)}`);
    report.compared.push(compare(baseline, report.random));
    await save();
  }
  await save();
  return report;
}

/** `count` distinct cells drawn uniformly (each decision uniform, as the random strategy samples). */
export function drawCells(space: SearchSpace, count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const cells: number[][] = [];
  for (let tries = 0; cells.length < count && tries < 1000 * count; tries++) {
    const arch = space.sample(rng);
    const key = space.hash(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    cells.push(arch);
  }
  return cells;
}

function harnessOf(search: SearchSpec, seed: number): Harness {
  const { final, dataset, network } = search.spec;
  return {
    seed,
    dataset: dataset!,
    network: final!.network ?? network,
    epochs: final!.epochs,
    batchSize: final!.batchSize,
    learningRate: final!.learningRate,
    replicas: final!.replicas,
    backend: tf.getBackend() as BackendName,
  };
}

/** Results are reused only where they would come out the same: the same kernels on the same backend. */
type Kernels = Pick<MachineRecord, 'backend' | 'cpuExtensions' | 'cpuModelId'>;
function sameKernels(a: Kernels, b: { backend: string; cpuExtensions?: string[]; cpuModelId?: string }): boolean {
  return a.backend === b.backend && isDeepStrictEqual(a.cpuExtensions, b.cpuExtensions) && a.cpuModelId === b.cpuModelId;
}

const earlierSchema = z.object({
  harness: z.unknown(),
  drawSeed: z.number(),
  machine: z
    .object({ backend: z.string(), cpuExtensions: z.array(z.string()).optional(), cpuModelId: z.string().optional() })
    .passthrough(),
  random: z.array(z.unknown()),
  compared: z.array(z.unknown()),
});
const cellSchema = z.object({
  label: z.string(),
  kind: z.enum(['random', 'searched', 'published', 'baseline']),
  arch: z.string(),
  testAccuracy: z.number(),
  validationAccuracy: z.number(),
  params: z.number(),
  macs: z.number(),
  seconds: z.number(),
  from: z.enum(['trained', 'summary.json']),
});

/** The cells an earlier run with the same harness, draw and kernels wrote to `json`; none where it differs. */
function readEarlier(json: string | undefined, harness: Harness, drawSeed: number, machine: MachineRecord): CellResult[] {
  if (!json || !existsSync(json)) return [];
  const parsed = earlierSchema.safeParse(JSON.parse(readFileSync(json, 'utf8')));
  if (!parsed.success) throw new NasmeshError(`${json}: not a report of npm run bench:random-cells; remove it or name another --json`);
  const e = parsed.data;
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(harness)), e.harness) || e.drawSeed !== drawSeed || !sameKernels(machine, e.machine)) {
    throw new NasmeshError(`${json}: written with another harness, draw seed or CPU; remove it or name another --json`);
  }
  return [...e.random, ...e.compared].flatMap((c) => {
    const cell = cellSchema.safeParse(c);
    return cell.success ? [cell.data] : [];
  });
}

const summarySchema = z.object({
  seed: z.number(),
  machine: z
    .object({ backend: z.string(), cpuExtensions: z.array(z.string()).optional(), cpuModelId: z.string().optional() })
    .passthrough()
    .optional(),
  best: z
    .object({
      architecture: z.object({ arch: z.string() }),
      testAccuracy: z.number(),
      validationAccuracy: z.number(),
      params: z.number(),
      flops: z.number(),
      seconds: z.number(),
    })
    .nullable(),
  baseline: z
    .object({
      architecture: z.object({ channels: z.array(z.number()) }),
      testAccuracy: z.number(),
      validationAccuracy: z.number(),
      params: z.number(),
      flops: z.number(),
      seconds: z.number(),
    })
    .optional(),
});

interface SearchedCell {
  label: string;
  arch: number[];
  /** The results directory's own retraining, where its harness, seed and kernels are these. */
  reused?: CellResult;
  reusedBaseline?: CellResult;
}

/** A results directory's retrained cell, labelled by its strategy and seed. */
function searchedCell(dir: string, harness: Harness, machine: MachineRecord, space: SearchSpace): SearchedCell {
  const read = (file: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    } catch (e) {
      throw new NasmeshError(
        `${join(dir, file)}: cannot read it as JSON (${(e as NodeJS.ErrnoException).code ?? 'not JSON'}); is ${dir} a finished nasmesh run's results?`,
      );
    }
  };
  const search = parseWith(searchSpecSchema, read('search.json'), `${dir}/search.json`);
  const summary = parseWith(summarySchema, read('summary.json'), `${dir}/summary.json`);
  if (!summary.best) throw new NasmeshError(`${dir}/summary.json: no retrained cell (best is null); did the search have a final stage?`);
  const arch = space.decode(summary.best.architecture.arch);
  const label = `${search.spec.strategy.name} search, seed ${summary.seed}`;
  const same =
    search.spec.final !== undefined &&
    isDeepStrictEqual(harnessOf(search, summary.seed), harness) &&
    summary.machine !== undefined &&
    sameKernels(machine, summary.machine);
  if (!same) return { label, arch };
  const b = summary.best;
  const reused = cellResult(label, 'searched', space.encode(arch), b, 'summary.json');
  const base = summary.baseline;
  return {
    label,
    arch,
    reused,
    ...(base && { reusedBaseline: cellResult('', 'baseline', widths(base.architecture.channels), base, 'summary.json') }),
  };
}

/** The space with the published cell's ops added where the spec's lack them (NASNet-A's sep_conv_7x7). */
function publishedSpace(config: SpaceConfig, name: PublishedCellName): SearchSpace {
  const ops = new Set(PUBLISHED_CELLS[name].split('|').flatMap((block) => block.split(',').slice(2)));
  const have = (config as { ops?: readonly string[] }).ops ?? [];
  const missing = [...ops].filter((op) => !have.includes(op) && (MICRO_OPS as readonly string[]).includes(op)) as MicroOp[];
  return createSpace({ ...config, ops: [...have, ...missing] } as SpaceConfig);
}

function cellResult(
  label: string,
  kind: CellResult['kind'],
  arch: string,
  r: Pick<FinalResult, 'testAccuracy' | 'validationAccuracy' | 'params' | 'flops' | 'seconds'>,
  from: CellResult['from'],
): CellResult {
  const { testAccuracy, validationAccuracy, params, flops, seconds } = r;
  return {
    label,
    kind,
    arch,
    testAccuracy: 100 * testAccuracy,
    validationAccuracy: 100 * validationAccuracy,
    params,
    macs: flops,
    seconds,
    from,
  };
}

/** A baseline is named by its stages' widths. */
const widths = (channels: readonly number[]) => `channels ${channels.join(',')}`;

function compare(c: CellResult, random: readonly CellResult[]): ComparedCell {
  if (random.length === 0) return { ...c, differenceFromMean: Number.NaN, percentile: Number.NaN };
  const accuracies = random.map((r) => r.testAccuracy);
  return {
    ...c,
    differenceFromMean: c.testAccuracy - describeDistribution(accuracies).mean,
    percentile: percentileAmong(c.testAccuracy, accuracies),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) throw new NasmeshError('no random cells to size the baseline to: give --results or --cells');
  return Math.round(describeDistribution(values).median);
}

function describe(c: CellResult): string {
  return `test ${c.testAccuracy.toFixed(2)} %, ${c.params.toLocaleString('en-US')} params, ${(c.macs / 1e6).toFixed(1)} M MACs, ${c.seconds.toFixed(0)} s`;
}

function describeNetwork(n: Harness['network']): string {
  return `${n.channels} channels, ${n.stages} stages of ${n.cellsPerStage} cell(s), stem stride ${n.stemStride ?? 1}`;
}

function eta(clock: { started: number; trained: number; toTrain: number }): string {
  const elapsed = (performance.now() - clock.started) / 1000;
  const left = Math.max(0, clock.toTrain - clock.trained);
  return `; ${clock.trained}/${clock.toTrain} trained, elapsed ${minutes(elapsed)}, ETA ${minutes((elapsed / clock.trained) * left)}`;
}

const minutes = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
