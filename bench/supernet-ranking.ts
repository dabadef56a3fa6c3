/**
 * How well do a search's shared weights rank cells? K cells drawn uniformly from a spec's space (the draw of
 * bench:random-cells) each get the final stage's short training (`final.finalistTraining` in `final.network` at the
 * spec's seed: what the finalists get, and what ranks them for the retraining). The spec's supernet trains as its
 * search trains it, on uniform draws, and after every `--score-every` epochs scores the cells with the shared weights
 * on the derive step's validation images. Prints Kendall τ against the short training of that score and, as the
 * baseline any reward must beat, of the parameter count.
 *
 * Run: npm run bench:supernet-ranking -- --spec deploy/examples/fashion-mnist-enas-micro.yaml --cells 18
 *      [--draw-seed 1] [--epochs N] [--steps-per-epoch N] [--short-training-seed N] [--supernet-seed N]
 *      [--score-every 4] [--json out.json]
 * --json keeps the short trainings (written after each); a run with the same space, final stage, draw and machine
 * reuses them.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { batches } from '../src/data/batches.js';
import { loadDataset } from '../src/data/load.js';
import { progressDisplay } from '../src/progress/progress-display.js';
import { kendallTau } from '../src/search/kendall-tau.js';
import { StandaloneEvaluator } from '../src/search/standalone-evaluator.js';
import { trainingProgress } from '../src/search/training-progress.js';
import { initialSupernet, trainEpoch, weightSharingSpec } from '../src/search/weight-sharing-schedule.js';
import type { EnasMicroSpace } from '../src/space/enas-micro.js';
import { createSpace } from '../src/space/registry.js';
import { loadSearchSpec } from '../src/spec/load.js';
import { createStrategy } from '../src/strategy/registry.js';
import { describeBackend, initBackend } from '../src/tf/backend.js';
import { describeMachine } from '../src/tf/machine.js';
import { datasetNetwork } from '../src/train/dataset-network.js';
import { NasmeshError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';
import { writeAtomic } from '../src/util/write-atomic.js';
import { drawCells } from './random-cells-run.js';

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
};
const opts = new Command('supernet-ranking')
  .option('--spec <path>', 'a weight-sharing search spec with a final stage', 'deploy/examples/fashion-mnist-enas-micro.yaml')
  .option('--cells <k>', 'cells to draw, short-train and rank', count, 18)
  .option('--draw-seed <n>', 'seeds the draw of the cells', count, 1)
  .option('--epochs <n>', "supernet epochs (default: the spec's evaluation.epochs)", count)
  .option('--steps-per-epoch <n>', "shared-weight steps per epoch (default: the spec's)", count)
  .option('--short-training-seed <n>', "seeds the short trainings (default: the spec's seed); another gives their test-retest", count)
  .option('--supernet-seed <n>', "seeds the shared weights and their draws (default: the spec's seed)", count)
  .option('--score-every <n>', 'epochs between rankings', count, 4)
  .option('--json <path>', 'keep the short trainings and the rankings here')
  .parse()
  .opts<{
    spec: string;
    cells: number;
    drawSeed: number;
    epochs?: number;
    stepsPerEpoch?: number;
    shortTrainingSeed?: number;
    supernetSeed?: number;
    scoreEvery: number;
    json?: string;
  }>();

interface ShortTrained {
  arch: string;
  accuracy: number;
  params: number;
}
interface Ranking {
  epoch: number;
  steps: number;
  trainingAccuracy: number;
  scores: number[];
  tau: number | null;
}

await initBackend();
console.error(`supernet-ranking: ${describeBackend()}`);
const search = loadSearchSpec(opts.spec);
const spec = weightSharingSpec(search.spec);
const { final, dataset } = spec;
if (!final || !dataset) throw new NasmeshError(`${opts.spec}: needs spec.dataset and spec.final (the short training ranks the cells)`);
const epochs = opts.epochs ?? spec.evaluation.epochs;
const space = createSpace(spec.space) as EnasMicroSpace;
const data = await loadDataset(dataset);
// What decides the short trainings: a spec that differs in its search alone reuses them.
const harness = {
  space: spec.space,
  seed: opts.shortTrainingSeed ?? spec.seed,
  dataset,
  network: final.network ?? spec.network,
  finalistTraining: final.finalistTraining,
  drawSeed: opts.drawSeed,
  machine: describeMachine(),
};
const report = {
  harness,
  supernetSeed: opts.supernetSeed ?? spec.seed,
  cells: [] as ShortTrained[],
  parameterCountTau: null as number | null,
  rankings: [] as Ranking[],
};
const display = progressDisplay(process.stderr);
const cells = drawCells(space, opts.cells, opts.drawSeed);
await shortTrain(cells.map((a) => space.encode(a)));
const accuracy = report.cells.map((c) => c.accuracy);
report.parameterCountTau = kendallTau(
  report.cells.map((c) => c.params),
  accuracy,
);

// The search's own supernet and draws, but every epoch uniform: the bench asks what the shared weights learn, not the policy.
const evaluation = {
  ...spec.evaluation,
  epochs,
  uniformEpochs: epochs,
  sharedStepsPerEpoch: opts.stepsPerEpoch ?? spec.evaluation.sharedStepsPerEpoch,
};
// The short trainings keep the spec's seed, so one reference serves supernets of several seeds.
const trained = { ...spec, seed: opts.supernetSeed ?? spec.seed, evaluation };
const net = initialSupernet(space, data, trained);
const { name, ...strategyOptions } = spec.strategy;
const policy = createStrategy(name, space, strategyOptions, spec.seed);
const deriveSample = batches(data.validation, Math.min(evaluation.deriveImages, data.validation.count), new Rng(spec.seed), {
  normalize: data.stats,
}).next().value!;
try {
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const onStep = (done: number) =>
      display.update({
        phase: 'supernet',
        done: (epoch - 1) * evaluation.sharedStepsPerEpoch + done,
        total: epochs * evaluation.sharedStepsPerEpoch,
        unit: 'steps',
      });
    const result = await trainEpoch(net, trained, data, epoch, policy.checkpoint(), undefined, onStep);
    if (epoch % opts.scoreEvery !== 0 && epoch !== epochs) continue;
    const scores = cells.map((arch) => net.getReward(arch, deriveSample));
    const ranking = { epoch, steps: net.steps, trainingAccuracy: result.accuracy, scores, tau: kendallTau(scores, accuracy) };
    report.rankings.push(ranking);
    display.log(`epoch ${epoch} (${net.steps} steps): training accuracy ${pct(ranking.trainingAccuracy)}, τ ${fmt(ranking.tau)}`);
    await save();
  }
} finally {
  display.stop();
  policy.dispose();
  net.dispose();
}
console.log(
  `${cells.length} cells of ${space.name} (draw seed ${opts.drawSeed}), short training at seed ${harness.seed}: ${pct(Math.min(...accuracy))} to ${pct(Math.max(...accuracy))}`,
);
console.log(`Kendall τ against the short training: parameter count ${fmt(report.parameterCountTau)}`);
for (const r of report.rankings) console.log(`  shared weights after ${r.steps} steps (epoch ${r.epoch}): ${fmt(r.tau)}`);

function pct(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}
function fmt(tau: number | null): string {
  return tau === null ? '-' : tau.toFixed(2);
}

/** Each cell's short training, reused from --json where the same harness on the same machine ran it. */
async function shortTrain(archs: readonly string[]): Promise<void> {
  const earlier = readEarlier();
  const network = datasetNetwork(data, harness.network);
  const evaluator = new StandaloneEvaluator(space, data, network, { ...final!.finalistTraining, schedule: 'cosine' }, harness.seed);
  for (const [i, arch] of archs.entries()) {
    const known = earlier.find((c) => c.arch === arch);
    if (known) {
      report.cells.push(known);
      continue;
    }
    const e = await evaluator.evaluate(space.decode(arch), (p) =>
      display.update(trainingProgress('finalists', `cell ${i + 1}/${archs.length}`, p)),
    );
    report.cells.push({ arch, accuracy: e.accuracy, params: e.params });
    display.log(`cell ${i + 1}/${archs.length}: short training ${pct(e.accuracy)}, ${e.params.toLocaleString('en-US')} params`);
    await save();
  }
}

function readEarlier(): ShortTrained[] {
  if (!opts.json) return [];
  let text: string;
  try {
    text = readFileSync(opts.json, 'utf8');
  } catch {
    return [];
  }
  const earlier = JSON.parse(text) as { harness: unknown; cells: ShortTrained[] };
  return JSON.stringify(earlier.harness) === JSON.stringify(harness) ? earlier.cells : [];
}

async function save(): Promise<void> {
  if (!opts.json) return;
  await writeAtomic(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}
