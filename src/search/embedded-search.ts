import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createStrategy } from '../controller/registry.js';
import type { Observation } from '../controller/types.js';
import { loadDataset, type LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import { createReward } from '../reward/reward-function.js';
import { createSpace } from '../space/registry.js';
import type { Architecture } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { type BackendName, tf } from '../tf/backend.js';
import type { NetworkConfig } from '../train/types.js';
import { ValidationError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { BenchmarkEvaluator } from './benchmark-evaluator.js';
import type { CandidateEvaluator } from './evaluator.js';
import { EvaluatorPool } from './evaluator-pool.js';
import { retrainBest, trainBaseline } from './final-stage.js';
import { StandaloneEvaluator } from './standalone-evaluator.js';
import type { CandidateRecord, SearchProgress, SearchSummary } from './types.js';
import { searchWithWeightSharing } from './weight-sharing.js';

export interface EmbeddedSearchOptions {
  outDir: string;
  /** Overrides spec.seed. */
  seed?: number;
  onProgress?: (progress: SearchProgress) => void;
  onLog?: (line: string) => void;
  data?: LoadOptions;
}

/**
 * A whole search in one process: propose, evaluate (table look-up, standalone training or ENAS weight sharing),
 * reward, learn; then retrain the best from scratch beside an optional baseline and export it. Every evaluated
 * candidate is appended to `candidates.jsonl` as soon as it is known.
 */
export async function runEmbeddedSearch(search: SearchSpec, opts: EmbeddedSearchOptions): Promise<SearchSummary> {
  const started = performance.now();
  const spec = search.spec;
  const seed = opts.seed ?? spec.seed;
  const rng = new Rng(seed);
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, 'search.json'), `${JSON.stringify({ ...search, spec: { ...spec, seed } }, null, 2)}\n`);
  const candidatesFile = join(opts.outDir, 'candidates.jsonl');
  writeFileSync(candidatesFile, '');

  const space = createSpace(spec.space);
  const { name: strategyName, ...strategyOptions } = spec.strategy;
  const strategy = createStrategy(strategyName, space, strategyOptions, rng.nextUint32());
  const reward = createReward(spec.reward);
  const data = spec.dataset ? await loadDataset(spec.dataset, opts.data) : undefined;
  const network = (data: LoadedDataset, net = spec.network): NetworkConfig => ({
    inputShape: data.shape,
    classes: data.classes,
    ...net,
  });

  const records: CandidateRecord[] = [];
  const total = spec.evaluation.mode === 'weight-sharing'
    ? spec.evaluation.epochs * spec.evaluation.controllerStepsPerEpoch
    : spec.budget.candidates;
  const record = (arch: Architecture, r: Omit<CandidateRecord, 'index' | 'architecture' | 'hash'>) => {
    const rec: CandidateRecord = { index: records.length, architecture: space.toJSON(arch), hash: space.hash(arch), ...r };
    records.push(rec);
    appendFileSync(candidatesFile, `${JSON.stringify(rec)}\n`);
    opts.onProgress?.({ done: records.length, total, bestReward: Math.max(...records.map((c) => c.reward)), stage: 'search' });
  };

  try {
    if (spec.evaluation.mode === 'weight-sharing') {
      if (spec.reward.objective !== 'accuracy') {
        throw new ValidationError('spec.reward.objective', 'weight-sharing evaluation rewards accuracy only', ['accuracy']);
      }
      await searchWithWeightSharing(space, strategy, data!, network(data!), spec.evaluation, rng, join(opts.outDir, 'supernet'), (o, loss) =>
        record(o.arch, { reward: o.reward, accuracy: o.reward, params: 0, flops: 0, seconds: 0, sharedLoss: loss }),
      );
    } else {
      const evaluation = spec.evaluation;
      const workers = evaluation.mode === 'standalone' ? (evaluation.workers ?? availableParallelism()) : 1;
      const pool =
        evaluation.mode === 'standalone' && workers > 1
          ? await EvaluatorPool.start(workers, {
              space: spec.space,
              dataset: spec.dataset!,
              dataOptions: opts.data,
              network: spec.network,
              options: evaluation,
              seed,
              backend: tf.getBackend() as BackendName,
            })
          : undefined;
      const evaluator: CandidateEvaluator =
        pool ??
        (evaluation.mode === 'benchmark'
          ? new BenchmarkEvaluator(evaluation.table, space)
          : new StandaloneEvaluator(space, data!, network(data!), evaluation, seed));
      const deadline = spec.budget.maxDurationSeconds ? started + spec.budget.maxDurationSeconds * 1000 : Infinity;
      try {
        while (records.length < spec.budget.candidates && performance.now() < deadline) {
          const archs = strategy.propose(Math.min(workers, spec.budget.candidates - records.length));
          const t0 = performance.now();
          const evaluations = await Promise.all(archs.map((arch) => evaluator.evaluate(arch)));
          const seconds = (performance.now() - t0) / 1000;
          const observations: Observation[] = archs.map((arch, i) => {
            const ev = evaluations[i]!;
            const value = ev.diverged ? 0 : reward(ev);
            const { accuracy, params, flops } = ev;
            record(arch, { reward: value, accuracy, params, flops, seconds, ...(ev.diverged ? { diverged: ev.diverged } : {}) });
            return { arch, reward: value };
          });
          strategy.observe(observations);
        }
      } finally {
        await pool?.close();
      }
    }
  } finally {
    strategy.dispose();
  }

  const ranked = [...records].sort((a, b) => b.reward - a.reward || a.index - b.index);
  const bestCandidate = ranked[0] ?? null;
  writeFileSync(join(opts.outDir, 'best-architectures.json'), `${JSON.stringify(ranked.slice(0, 10), null, 2)}\n`);

  const summary: SearchSummary = { search: search.metadata.name, seed, durationSeconds: 0, candidates: records.length, bestCandidate, best: null };
  if (spec.final && data) {
    const final = spec.final;
    const finalNet = network(data, final.network ?? spec.network);
    const trainOpts = { epochs: final.epochs, batchSize: 64, learningRate: 0.001, seed, onEpoch: (label: string, e: number, loss: number) => opts.onLog?.(`final ${label}: epoch ${e + 1}/${final.epochs} loss ${loss.toFixed(4)}`) };
    const top = ranked.slice(0, final.topK).map((r) => space.fromJSON(r.architecture));
    summary.best = await retrainBest(space, top, data, finalNet, trainOpts, join(opts.outDir, 'model'));
    if (summary.best) writeFileSync(join(opts.outDir, 'best-architecture.json'), `${JSON.stringify(summary.best.architecture, null, 2)}\n`);
    if (final.baseline) summary.baseline = trainBaseline(final.baseline, data, finalNet, trainOpts);
  }
  summary.durationSeconds = (performance.now() - started) / 1000;
  writeFileSync(join(opts.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
