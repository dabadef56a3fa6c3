import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStrategy } from '../controller/registry.js';
import type { StrategyStats, StrategyStatsRecord } from '../controller/types.js';
import { loadDataset, type LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import { createSpace } from '../space/registry.js';
import type { Architecture } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { type BackendName, tf } from '../tf/backend.js';
import { LocalDirSearchStore } from '../store/local-dir-store.js';
import type { NetworkConfig } from '../train/types.js';
import { ValidationError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { trainBaselineInThread } from './baseline-thread.js';
import { retrainBest } from './final-stage.js';
import { runLocalSession } from './local-session.js';
import type { CandidateRecord, SearchProgress, SearchSummary } from './types.js';
import { searchWithWeightSharing } from './weight-sharing.js';
import { deriveFinalists, type Finalist } from './weight-sharing-derive.js';

export interface EmbeddedSearchOptions {
  outDir: string;
  /** Overrides spec.seed. */
  seed?: number;
  /**
   * Benchmark and standalone: continue the interrupted search stored in `<outDir>/state` (same spec and seed)
   * instead of starting over.
   */
  resume?: boolean;
  /** Benchmark and standalone: stops the search between evaluations; `resume` continues it. */
  signal?: AbortSignal;
  onProgress?: (progress: SearchProgress) => void;
  onLog?: (line: string) => void;
  data?: LoadOptions;
}

/**
 * A whole search in one process: propose, evaluate (table look-up, standalone training or ENAS weight sharing),
 * reward, learn; then retrain the best from scratch beside an optional baseline and export it. Every evaluated
 * candidate is appended to `candidates.jsonl` as soon as the strategy has observed it. Benchmark and standalone
 * searches run as a SearchSession whose state is kept in `<outDir>/state`.
 */
export async function runEmbeddedSearch(search: SearchSpec, opts: EmbeddedSearchOptions): Promise<SearchSummary> {
  const started = performance.now();
  const spec = search.spec;
  const seed = opts.seed ?? spec.seed;
  const rng = new Rng(seed);
  mkdirSync(opts.outDir, { recursive: true });
  const seeded: SearchSpec = { ...search, spec: { ...spec, seed } };
  writeFileSync(join(opts.outDir, 'search.json'), `${JSON.stringify(seeded, null, 2)}\n`);
  const candidatesFile = join(opts.outDir, 'candidates.jsonl');
  writeFileSync(candidatesFile, '');
  // The controller's entropy and baseline after each update, for the report.
  const statsFile = join(opts.outDir, 'controller.jsonl');
  writeFileSync(statsFile, '');
  const recordStats = (observed: number, stats: StrategyStats) =>
    appendFileSync(statsFile, `${JSON.stringify({ observed, ...stats } satisfies StrategyStatsRecord)}\n`);

  const space = createSpace(spec.space);
  const data = spec.dataset ? await loadDataset(spec.dataset, opts.data) : undefined;
  const network = (data: LoadedDataset, net = spec.network): NetworkConfig => ({
    inputShape: data.shape,
    classes: data.classes,
    ...net,
  });

  // The baseline needs nothing from the search: it trains on another core meanwhile (joined after the final stage).
  const final = spec.final;
  const finalNetwork = final?.network ?? spec.network;
  const trainOpts = final && {
    epochs: final.epochs,
    batchSize: final.batchSize,
    learningRate: final.learningRate,
    seed,
    onEpoch: (label: string, e: number, loss: number) => opts.onLog?.(`final ${label}: epoch ${e + 1}/${final.epochs} loss ${loss.toFixed(4)}`),
  };
  const baseline =
    final?.baseline && spec.dataset && trainOpts
      ? trainBaselineInThread(
          {
            name: final.baseline,
            dataset: spec.dataset,
            dataOptions: opts.data,
            network: finalNetwork,
            options: { epochs: trainOpts.epochs, batchSize: trainOpts.batchSize, learningRate: trainOpts.learningRate, seed },
            backend: tf.getBackend() as BackendName,
          },
          trainOpts.onEpoch,
        )
      : undefined;

  try {
    const records: CandidateRecord[] = [];
    // Weight sharing: the derive step's ranking, which the final stage retrains from.
    let finalists: Finalist[] | undefined;
    if (spec.evaluation.mode === 'weight-sharing') {
      if (spec.reward.objective !== 'accuracy') {
        throw new ValidationError('spec.reward.objective', 'weight-sharing evaluation rewards accuracy only', ['accuracy']);
      }
      const total = spec.evaluation.epochs * spec.evaluation.controllerStepsPerEpoch;
      const record = (arch: Architecture, r: Omit<CandidateRecord, 'index' | 'architecture' | 'hash'>) => {
        const rec: CandidateRecord = { index: records.length, architecture: space.toJSON(arch), hash: space.hash(arch), ...r };
        records.push(rec);
        appendFileSync(candidatesFile, `${JSON.stringify(rec)}\n`);
        opts.onProgress?.({ done: records.length, total, bestReward: Math.max(...records.map((c) => c.reward)), stage: 'search' });
      };
      const { name: strategyName, ...strategyOptions } = spec.strategy;
      const strategy = createStrategy(strategyName, space, strategyOptions, rng.nextUint32());
      try {
        const net = await searchWithWeightSharing(space, strategy, data!, network(data!), spec.evaluation, rng, join(opts.outDir, 'supernet'), (observations, loss) => {
          for (const o of observations) record(o.arch, { reward: o.reward, accuracy: o.reward, params: 0, flops: 0, seconds: 0, sharedLoss: loss });
          recordStats(records.length, strategy.stats());
        });
        const searched = [...records].sort((a, b) => b.reward - a.reward).slice(0, 10).map((r) => space.fromJSON(r.architecture));
        const { deriveSamples: samples, deriveImages: images } = spec.evaluation;
        finalists = deriveFinalists(space, net, strategy, searched, data!, { samples, images }, rng);
        net.dispose();
        writeFileSync(
          join(opts.outDir, 'finalists.json'),
          `${JSON.stringify(finalists.map((f) => ({ architecture: space.toJSON(f.arch), validationReward: f.reward })), null, 2)}\n`,
        );
      } finally {
        strategy.dispose();
      }
    } else {
      // The session's durable state: what `resume` continues from.
      const stateDir = join(opts.outDir, 'state');
      if (!opts.resume) rmSync(stateDir, { recursive: true, force: true });
      records.push(
        ...(await runLocalSession(seeded, spec.evaluation, {
          store: new LocalDirSearchStore(stateDir),
          candidatesFile,
          onPolicyUpdated: recordStats,
          data,
          network: data && network(data),
          dataOptions: opts.data,
          signal: opts.signal,
          onProgress: opts.onProgress,
        })),
      );
    }

    const ranked = [...records].sort((a, b) => b.reward - a.reward || a.index - b.index);
    const bestCandidate = ranked[0] ?? null;
    writeFileSync(join(opts.outDir, 'best-architectures.json'), `${JSON.stringify(ranked.slice(0, 10), null, 2)}\n`);

    const summary: SearchSummary = { search: search.metadata.name, seed, durationSeconds: 0, candidates: records.length, bestCandidate, best: null };
    if (final && trainOpts && data) {
      const top = (finalists?.map((f) => f.arch) ?? ranked.map((r) => space.fromJSON(r.architecture))).slice(0, final.topK);
      summary.best = await retrainBest(
        space,
        top,
        data,
        network(data, finalNetwork),
        { ...trainOpts, replicas: final.replicas, backend: tf.getBackend() as BackendName },
        join(opts.outDir, 'model'),
      );
      if (summary.best) writeFileSync(join(opts.outDir, 'best-architecture.json'), `${JSON.stringify(summary.best.architecture, null, 2)}\n`);
    }
    if (baseline) summary.baseline = await baseline.result;
    summary.durationSeconds = (performance.now() - started) / 1000;
    writeFileSync(join(opts.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await baseline?.stop();
  }
}
