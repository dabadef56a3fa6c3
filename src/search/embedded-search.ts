import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStrategy } from '../controller/registry.js';
import type { StrategyStats, StrategyStatsRecord } from '../controller/types.js';
import { loadDataset, type LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import { createSpace } from '../space/registry.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import type { SearchSpace } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { type BackendName, tf } from '../tf/backend.js';
import { LocalDirSearchStore } from '../store/local-dir-store.js';
import type { SearchStore } from '../store/types.js';
import { supernetFromBytes } from '../train/supernet/bytes.js';
import type { NetworkConfig } from '../train/types.js';
import { NasmeshError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { trainBaselineInThread } from './baseline-thread.js';
import { retrainBest } from './final-stage.js';
import { runLocalSession } from './local-session.js';
import type { CandidateRecord, SearchProgress, SearchSummary } from './types.js';
import { deriveFinalists, type Finalist } from './weight-sharing-derive.js';
import { checkpointBlobName, weightSharingSpec } from './weight-sharing-schedule.js';

export interface EmbeddedSearchOptions {
  outDir: string;
  /** Overrides spec.seed. */
  seed?: number;
  /** Continue the interrupted search stored in `<outDir>/state` (same spec and seed) instead of starting over. */
  resume?: boolean;
  /** Stops the search between evaluations; `resume` continues it. */
  signal?: AbortSignal;
  onProgress?: (progress: SearchProgress) => void;
  onLog?: (line: string) => void;
  data?: LoadOptions;
}

/**
 * A whole search in one process: propose, evaluate (table look-up, standalone training or ENAS weight sharing),
 * reward, learn; then retrain the best from scratch beside an optional baseline and export it. Every evaluated
 * candidate is appended to `candidates.jsonl` as soon as the strategy has observed it. The search runs as a
 * SearchSession whose state is kept in `<outDir>/state`.
 */
export async function runEmbeddedSearch(search: SearchSpec, opts: EmbeddedSearchOptions): Promise<SearchSummary> {
  const started = performance.now();
  const spec = search.spec;
  const seed = opts.seed ?? spec.seed;
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
    // The session's durable state: what `resume` continues from.
    const stateDir = join(opts.outDir, 'state');
    if (!opts.resume) rmSync(stateDir, { recursive: true, force: true });
    const store = new LocalDirSearchStore(stateDir);
    const records = await runLocalSession(seeded, {
      store,
      candidatesFile,
      onPolicyUpdated: recordStats,
      data,
      network: data && network(data),
      dataOptions: opts.data,
      signal: opts.signal,
      onProgress: opts.onProgress,
      onLog: opts.onLog,
    });
    // Weight sharing: the derive step's ranking, which the final stage retrains from.
    const finalists = spec.evaluation.mode === 'weight-sharing' ? await derive(seeded, store, space, data!, records) : undefined;
    if (finalists) {
      writeFileSync(
        join(opts.outDir, 'finalists.json'),
        `${JSON.stringify(finalists.map((f) => ({ architecture: space.toJSON(f.arch), validationReward: f.reward })), null, 2)}\n`,
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

/**
 * ENAS's derive step on the stored end of a weight-sharing search: the final policy and the last epoch's shared
 * weights re-score the 10 best-rewarded candidates and fresh samples (deriveFinalists).
 */
async function derive(search: SearchSpec, store: SearchStore, space: SearchSpace, data: LoadedDataset, records: readonly CandidateRecord[]): Promise<Finalist[]> {
  const id = search.metadata.name;
  const spec = weightSharingSpec(search.spec);
  const { epochs, deriveSamples: samples, deriveImages: images } = spec.evaluation;
  const [bytes, checkpoint] = await Promise.all([store.getBlob(id, checkpointBlobName(epochs)), store.getCheckpoint(id)]);
  if (!bytes || !checkpoint) throw new NasmeshError(`search ${id}: the final shared weights or policy are not stored`);
  const net = supernetFromBytes(space as EnasMicroSpace, bytes);
  const { name, ...options } = spec.strategy;
  const strategy = createStrategy(name, space, options, 0);
  try {
    strategy.restore(checkpoint.strategy);
    const searched = [...records].sort((a, b) => b.reward - a.reward || a.index - b.index).slice(0, 10).map((r) => space.fromJSON(r.architecture));
    // Its own stream: the derive samples do not depend on how the search's draws went.
    return deriveFinalists(space, net, strategy, searched, data, { samples, images }, new Rng((spec.seed ^ 0x5bd1e995) >>> 0));
  } finally {
    strategy.dispose();
    net.dispose();
  }
}
