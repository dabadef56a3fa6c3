import { createStrategy } from '../controller/registry.js';
import type { LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import { createSpace } from '../space/registry.js';
import type { SearchSpace } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import type { SearchStore } from '../store/types.js';
import { type BackendName, tf } from '../tf/backend.js';
import { supernetFromBytes } from '../train/supernet/bytes.js';
import type { NetworkConfig } from '../train/types.js';
import { NasmeshError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { trainBaselineInThread } from './baseline-thread.js';
import { type FinalStageOptions, retrainBest } from './final-stage.js';
import { jsonText, type ResultFiles } from './result-files.js';
import type { CandidateRecord, SearchSummary } from './types.js';
import { deriveFinalists, type Finalist } from './weight-sharing-derive.js';
import { checkpointBlobName, weightSharingSpec } from './weight-sharing-schedule.js';

export interface SearchResultsOptions {
  /** The search as it ran (its seed included). */
  readonly search: SearchSpec;
  /** The search's dataset, loaded: what the derive step and the final stage train and score on. */
  readonly data?: LoadedDataset;
  readonly dataOptions?: LoadOptions;
  /** A line per epoch of the final stage's trainings, for people watching. */
  readonly onLog?: (line: string) => void;
}

/** The network a search places candidates in, for the dataset's images and classes. */
export function datasetNetwork(data: LoadedDataset, network: SearchSpec['spec']['network']): NetworkConfig {
  return { inputShape: data.shape, classes: data.classes, ...network };
}

/**
 * What follows a search, the same in `nasmesh run` and `nasmesh final` (the mesh's final stage): ENAS's derive step
 * for weight sharing (`finalists.json`), the ranking of the candidates (`best-architectures.json`), the final stage
 * when the spec has one (the top-k retrained from scratch, the best exported as `model/` and described in
 * `best-architecture.json`, the baseline beside it) and `summary.json`, written last.
 *
 * The baseline needs nothing from the search, so `start` sets it training on a thread of its own at once: the embedded
 * run starts it before its search, `nasmesh final` beside the derive step and the retraining.
 */
export class SearchResults {
  private constructor(
    private readonly o: SearchResultsOptions,
    private readonly training?: FinalStageOptions,
    private readonly baseline?: ReturnType<typeof trainBaselineInThread>,
  ) {}

  static start(o: SearchResultsOptions): SearchResults {
    const { spec } = o.search;
    const final = spec.final;
    if (!final || !o.data) return new SearchResults(o);
    const training: FinalStageOptions = {
      epochs: final.epochs,
      batchSize: final.batchSize,
      learningRate: final.learningRate,
      seed: spec.seed,
      onEpoch: (label, e, loss) => o.onLog?.(`final ${label}: epoch ${e + 1}/${final.epochs} loss ${loss.toFixed(4)}`),
    };
    const baseline =
      final.baseline && spec.dataset
        ? trainBaselineInThread(
            {
              name: final.baseline,
              dataset: spec.dataset,
              dataOptions: o.dataOptions,
              network: final.network ?? spec.network,
              options: { epochs: training.epochs, batchSize: training.batchSize, learningRate: training.learningRate, seed: spec.seed },
              backend: tf.getBackend() as BackendName,
            },
            training.onEpoch,
          )
        : undefined;
    return new SearchResults(o, training, baseline);
  }

  /**
   * Writes the result files of the search whose candidates are `records` and whose state is in `store` (the final
   * policy and, for weight sharing, the last epoch's shared weights). `searchSeconds`: the search's own duration,
   * to which summary.json's adds this stage's.
   */
  async write(
    store: Pick<SearchStore, 'getBlob' | 'getCheckpoint'>,
    records: readonly CandidateRecord[],
    out: ResultFiles,
    searchSeconds: number,
  ): Promise<SearchSummary> {
    const started = performance.now();
    const { search, data } = this.o;
    const { spec } = search;
    const space = createSpace(spec.space);
    // Weight sharing: the derive step's ranking, which the final stage retrains from.
    const finalists = spec.evaluation.mode === 'weight-sharing' ? await derive(search, store, space, data!, records) : undefined;
    if (finalists) {
      await out.write('finalists.json', jsonText(finalists.map((f) => ({ architecture: space.toJSON(f.arch), validationReward: f.reward }))));
    }
    const ranked = [...records].sort((a, b) => b.reward - a.reward || a.index - b.index);
    await out.write('best-architectures.json', jsonText(ranked.slice(0, 10)));

    const summary: SearchSummary = {
      search: search.metadata.name,
      seed: spec.seed,
      durationSeconds: 0,
      candidates: records.length,
      bestCandidate: ranked[0] ?? null,
      best: null,
    };
    const final = spec.final;
    if (final && this.training && data) {
      const top = (finalists?.map((f) => f.arch) ?? ranked.map((r) => space.fromJSON(r.architecture))).slice(0, final.topK);
      const network = datasetNetwork(data, final.network ?? spec.network);
      const options = { ...this.training, replicas: final.replicas, backend: tf.getBackend() as BackendName };
      summary.best = await retrainBest(space, top, data, network, options, out);
      if (summary.best) await out.write('best-architecture.json', jsonText(summary.best.architecture));
    }
    if (this.baseline) summary.baseline = await this.baseline.result;
    summary.durationSeconds = searchSeconds + (performance.now() - started) / 1000;
    await out.write('summary.json', jsonText(summary));
    return summary;
  }

  /** Stops the baseline's thread, should it still train (the search failed or was interrupted). */
  async stop(): Promise<void> {
    await this.baseline?.stop();
  }
}

/**
 * ENAS's derive step on the stored end of a weight-sharing search: the final policy and the last epoch's shared
 * weights re-score the 10 best-rewarded candidates and fresh samples (deriveFinalists).
 */
async function derive(
  search: SearchSpec,
  store: Pick<SearchStore, 'getBlob' | 'getCheckpoint'>,
  space: SearchSpace,
  data: LoadedDataset,
  records: readonly CandidateRecord[],
): Promise<Finalist[]> {
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
