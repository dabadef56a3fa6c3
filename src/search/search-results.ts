import { createStrategy } from '../strategy/registry.js';
import type { LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import { createSpace } from '../space/registry.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import { finalistCount, type SearchSpec } from '../spec/search-spec.js';
import type { SearchStore } from '../store/types.js';
import { type BackendName, tf } from '../tf/backend.js';
import { describeMachine } from '../tf/machine.js';
import { architectureCost } from '../train/cost.js';
import { datasetNetwork } from '../train/dataset-network.js';
import { sizeMatchedBaseline } from '../train/size-matched-baseline.js';
import { supernetFromBytes } from '../train/supernet/bytes.js';
import { NasmeshError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { type FinalStageOptions, retrainTop, trainBaseline } from './final-stage.js';
import { type TrainedFinalist, trainFinalists } from './finalist-stage.js';
import { kendallTau } from './kendall-tau.js';
import { jsonText, type ResultFiles } from './result-files.js';
import { trainingProgress } from './training-progress.js';
import type { CandidateRecord, FinalResult, FinalistSummary, RankCorrelation, SearchProgress, SearchSummary } from './types.js';
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
  /** The derive step's, the retrainings' and the baseline's progress. */
  readonly onProgress?: (progress: SearchProgress) => void;
}

/**
 * What follows a search, the same in `nasmesh run` and `nasmesh final` (the mesh's final stage), written to `out`:
 * ENAS's derive step for weight sharing (`finalists.json`), the ranking of the candidates (`best-architectures.json`)
 * and, when the spec has a final stage, the finalists' short standalone trainings (finalistCount), the topK
 * retrained from scratch with the best exported as `model/` and described in `best-architecture.json`, the baseline
 * sized to it and trained the same way, the rank correlations; then `summary.json`, written last. `records`: the
 * search's candidates; `store`: its state (the final policy and, for weight sharing, the last epoch's shared
 * weights); `searchSeconds`: the search's own duration, to which summary.json's adds this stage's.
 */
export async function writeSearchResults(
  o: SearchResultsOptions,
  store: Pick<SearchStore, 'getBlob' | 'getCheckpoint'>,
  records: readonly CandidateRecord[],
  out: ResultFiles,
  searchSeconds: number,
): Promise<SearchSummary> {
  const started = performance.now();
  const { search, data } = o;
  const { spec } = search;
  const space = createSpace(spec.space);
  // Weight sharing: the derive step's ranking, which the final stage's finalists come from.
  const derived = spec.evaluation.mode === 'weight-sharing' ? await derive(search, store, space, data!, records, o.onProgress) : undefined;
  if (derived) {
    await out.write('finalists.json', jsonText(derived.map((f) => ({ architecture: space.toJSON(f.arch), validationReward: f.reward }))));
  }
  const ranked = [...records].sort((a, b) => b.reward - a.reward || a.index - b.index);
  await out.write('best-architectures.json', jsonText(ranked.slice(0, 10)));

  const summary: SearchSummary = {
    search: search.metadata.name,
    seed: spec.seed,
    durationSeconds: 0,
    machine: describeMachine(),
    candidates: records.length,
    bestCandidate: ranked[0] ?? null,
    best: null,
  };
  const final = spec.final;
  if (final && data) {
    const finalSpec = final.network ?? spec.network;
    const network = datasetNetwork(data, finalSpec);
    const training: FinalStageOptions = {
      epochs: final.epochs,
      batchSize: final.batchSize,
      learningRate: final.learningRate,
      seed: spec.seed,
      replicas: final.replicas,
      backend: tf.getBackend() as BackendName,
      onEpoch: (run, e, loss) => o.onLog?.(`final ${run}: epoch ${e + 1}/${final.epochs} loss ${loss.toFixed(4)}`),
      onBatch: (run, p) => o.onProgress?.(trainingProgress('final', run, p)),
    };
    let finalists: TrainedFinalist[] | undefined;
    // Weight sharing: the derive step's ranking; standalone: the search's own rewards.
    const count = finalistCount(spec);
    const shortlist =
      count === 0 ? undefined : (derived ?? ranked.map((r) => ({ arch: space.fromJSON(r.architecture), reward: r.reward })));
    if (shortlist) {
      const from = derived ? "the derive step's" : "the search's";
      o.onLog?.(`final: short training of ${from} ${Math.min(count, shortlist.length)} best`);
      const setup = {
        space: spec.space,
        dataset: spec.dataset!,
        dataOptions: o.dataOptions,
        network: finalSpec,
        options: { ...final.finalistTraining, schedule: 'cosine' as const },
        seed: spec.seed,
        backend: training.backend,
      };
      finalists = await trainFinalists(shortlist.slice(0, count), setup, data, o.onProgress);
    }
    const top = (finalists?.map((f) => f.arch) ?? ranked.map((r) => space.fromJSON(r.architecture))).slice(0, final.topK);
    // Fails before hours of training where the baseline could not be compared fairly with any network retrained.
    if (final.baseline) for (const arch of top) sizeMatchedBaseline(final.baseline, network, architectureCost(space, arch, network).params);
    // Named once here: the epochs' lines name each by its rank.
    top.forEach((arch, i) => o.onLog?.(`final ${i + 1}/${top.length}, retrained from scratch: ${space.encode(arch)}`));
    const { retrained, best } = await retrainTop(space, top, data, network, training, out);
    summary.best = best;
    if (best) await out.write('best-architecture.json', jsonText(best.architecture));
    if (final.baseline && best) {
      const onBatch: FinalStageOptions['onBatch'] = (run, p) => o.onProgress?.(trainingProgress('baseline', run, p));
      summary.baseline = await trainBaseline(final.baseline, best.params, data, network, { ...training, onBatch });
    }
    if (finalists) {
      summary.finalists = finalistSummaries(space, finalists, top, retrained);
      summary.kendallTau = rankCorrelation(summary.finalists);
    }
  }
  summary.durationSeconds = searchSeconds + (performance.now() - started) / 1000;
  await out.write('summary.json', jsonText(summary));
  return summary;
}

/** The finalists best first by short training, each with its derive reward and, for the topK, its retraining. */
function finalistSummaries(
  space: SearchSpace,
  finalists: readonly TrainedFinalist[],
  top: readonly Architecture[],
  retrained: readonly FinalResult[],
): FinalistSummary[] {
  return finalists.map((f) => {
    const r = retrained[top.indexOf(f.arch)];
    const { accuracy, params, flops, diverged } = f.shortTraining;
    return {
      architecture: space.toJSON(f.arch),
      deriveReward: f.reward,
      shortTrainingAccuracy: accuracy,
      params,
      flops,
      ...(diverged !== undefined && { diverged }),
      ...(r && { retrained: { validationAccuracy: r.validationAccuracy, testAccuracy: r.testAccuracy } }),
    };
  });
}

/**
 * Kendall τ between the search's ranking (the derive step's shared-weight reward) and the short trainings over the
 * finalists; where more than one was retrained, of both against the retrained test accuracy over those.
 */
function rankCorrelation(finalists: readonly FinalistSummary[]): RankCorrelation {
  const tau: RankCorrelation = {
    deriveVsShortTraining: kendallTau(
      finalists.map((f) => f.deriveReward),
      finalists.map((f) => f.shortTrainingAccuracy),
    ),
  };
  const retrained = finalists.filter((f) => f.retrained);
  if (retrained.length < 2) return tau;
  const final = retrained.map((f) => f.retrained!.testAccuracy);
  return {
    ...tau,
    deriveVsRetrained: kendallTau(
      retrained.map((f) => f.deriveReward),
      final,
    ),
    shortTrainingVsRetrained: kendallTau(
      retrained.map((f) => f.shortTrainingAccuracy),
      final,
    ),
  };
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
  onProgress?: (progress: SearchProgress) => void,
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
    const searched = [...records]
      .sort((a, b) => b.reward - a.reward || a.index - b.index)
      .slice(0, 10)
      .map((r) => space.fromJSON(r.architecture));
    // Its own stream: the derive samples do not depend on how the search's draws went.
    const onScored = (done: number, total: number) => onProgress?.({ phase: 'derive', done, total, unit: 'candidates' });
    return deriveFinalists(space, net, strategy, searched, data, { samples, images }, new Rng((spec.seed ^ 0x5bd1e995) >>> 0), onScored);
  } finally {
    strategy.dispose();
    net.dispose();
  }
}
