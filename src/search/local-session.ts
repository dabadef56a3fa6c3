import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { StrategyStats } from '../strategy/types.js';
import type { LoadOptions } from '../data/load.js';
import type { LoadedDataset } from '../data/types.js';
import { LatencyProfiler, localHardwareProfile, profilerLatencySource } from '../latency/index.js';
import { latencyMeasurement } from '../reward/spec.js';
import { createSpace } from '../space/registry.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { IntervalCheckpointStore } from '../store/interval-checkpoint-store.js';
import type { SearchStore } from '../store/types.js';
import { type BackendName, tf } from '../tf/backend.js';
import type { NetworkConfig } from '../train/types.js';
import { EnasMicroSpace } from '../space/enas-micro.js';
import { NasmeshError, ValidationError } from '../util/errors.js';
import { BenchmarkEvaluator, tableNetwork } from './benchmark-evaluator.js';
import { EvaluatorPool } from './evaluator-pool.js';
import type { EvaluationBackend } from './evaluation-backend.js';
import { LatencyMeasuringBackend } from './latency-measuring-backend.js';
import { LocalEvaluationBackend } from './local-evaluation-backend.js';
import { LocalWeightSharingBackend } from './local-weight-sharing-backend.js';
import { SearchSession } from './search-session.js';
import { StandaloneEvaluator } from './standalone-evaluator.js';
import type { CandidateRecord, SearchProgress } from './types.js';
import type { SharedEpochResult } from './weight-sharing-epoch.js';
import { weightSharingSpec } from './weight-sharing-schedule.js';

/** Embedded runs store the controller checkpoint at most this often; a resumed run replays the steps after it. */
const CHECKPOINT_INTERVAL_MS = 1000;

export interface LocalSessionOptions {
  store: SearchStore;
  /** Where each observed candidate is appended as a JSON line. */
  candidatesFile: string;
  /** Standalone and weight-sharing evaluation: the dataset and the network candidates are placed in. */
  data?: LoadedDataset;
  network?: NetworkConfig;
  dataOptions?: LoadOptions;
  signal?: AbortSignal;
  onProgress?: (progress: SearchProgress) => void;
  /** After each policy update: how many candidates the strategy has observed and its statistics. */
  onPolicyUpdated?: (observed: number, stats: StrategyStats) => void;
  onLog?: (line: string) => void;
}

/**
 * A search in this process: a SearchSession (search id = metadata.name) over `store`, evaluating in this thread or,
 * for standalone with several workers, on an EvaluatorPool; weight sharing trains its supernet here too. Continues
 * the search already in the store, if any, else creates it.
 */
export async function runLocalSession(search: SearchSpec, opts: LocalSessionOptions): Promise<readonly CandidateRecord[]> {
  const id = search.metadata.name;
  // A reinforce/ppo checkpoint is megabytes of JSON; storing it after every step tripled a benchmark step's time.
  let checkpointError: Error | undefined;
  const store = new IntervalCheckpointStore(opts.store, CHECKPOINT_INTERVAL_MS, (_, e) => (checkpointError ??= e));
  const stored = await store.getSearch(id);
  if (!stored) await SearchSession.create(store, id, search);
  // Compared as stored (JSON), so keys holding undefined do not count.
  else if (!isDeepStrictEqual(stored.spec, JSON.parse(JSON.stringify(search)))) {
    throw new NasmeshError(`search ${id} is stored with another spec or seed; it cannot be continued with this one`);
  }
  const { backend: evaluating, close } = await localBackend(search, store, opts);
  const backend = measuringLatency(search, evaluating, opts.network);
  try {
    let written = 0;
    let bestReward = -Infinity;
    const write = (observed: readonly CandidateRecord[]) => {
      for (const c of observed.slice(written)) {
        appendFileSync(opts.candidatesFile, `${JSON.stringify(c)}\n`);
        bestReward = Math.max(bestReward, c.reward);
      }
      written = observed.length;
    };
    const progress = (done: number) =>
      opts.onProgress?.({
        phase: 'search',
        done,
        total: search.spec.budget.candidates,
        unit: 'candidates',
        ...(Number.isFinite(bestReward) && { bestReward }),
      });
    const session = await SearchSession.open(store, id, backend, {
      onPolicyUpdated: (observed, stats) => {
        write(session.candidates);
        opts.onPolicyUpdated?.(observed, stats);
        progress(observed);
      },
    });
    let candidates: readonly CandidateRecord[];
    try {
      write(session.candidates); // those observed before a restart
      progress(session.candidates.length);
      candidates = await session.run(opts.signal);
    } finally {
      session.dispose();
      await store.flush(id);
    }
    // A checkpoint that could not be stored fails the run: a restart would lose the steps since the last one.
    if (checkpointError) throw checkpointError;
    return candidates;
  } finally {
    await close();
  }
}

/**
 * A reward that needs latency (mnas) gets it measured in this process, a step's candidates before they train: a
 * measurement beside training on the same cores would be inflated by it. Measured latency varies from run to run,
 * so unlike an accuracy-only search the same seed can give a different mnas search.
 */
function measuringLatency(search: SearchSpec, backend: EvaluationBackend, network: NetworkConfig | undefined): EvaluationBackend {
  const measurement = latencyMeasurement(search.spec.reward);
  if (!measurement) return backend;
  if (!network)
    throw new NasmeshError(`search ${search.metadata.name}: objective mnas measures latency, which needs the dataset's network`);
  const profiler = new LatencyProfiler(localHardwareProfile(tf.getBackend()));
  return new LatencyMeasuringBackend(backend, profilerLatencySource(profiler), {
    space: search.spec.space,
    network,
    measurement,
    before: true,
  });
}

async function localBackend(search: SearchSpec, store: SearchStore, opts: LocalSessionOptions) {
  const { spec } = search;
  const { evaluation } = spec;
  const space = createSpace(spec.space);
  if (evaluation.mode === 'weight-sharing') {
    if (!(space instanceof EnasMicroSpace)) {
      throw new ValidationError('spec.space.name', `weight-sharing supports the enas-micro space only, not ${space.name}`, ['enas-micro']);
    }
    const { epochs, sharedStepsPerEpoch: steps } = evaluation;
    const backend = new LocalWeightSharingBackend(search.metadata.name, weightSharingSpec(spec), space, opts.data!, store, {
      // One progress over all epochs' steps: its ETA is the whole supernet training's.
      onStep: (epoch, done, loss, accuracy) =>
        opts.onProgress?.({
          phase: 'supernet',
          done: (epoch - 1) * steps + done,
          total: epochs * steps,
          unit: 'steps',
          detail: `epoch ${epoch}/${epochs}`,
          loss,
          accuracy,
        }),
      onEpoch: (epoch: number, r: SharedEpochResult) =>
        opts.onLog?.(`epoch ${epoch}/${epochs}: shared loss ${r.loss.toFixed(4)}, training accuracy ${(100 * r.accuracy).toFixed(1)}%`),
    });
    return { backend, close: async () => backend.dispose() };
  }
  if (evaluation.mode === 'benchmark') {
    const evaluator = new BenchmarkEvaluator(evaluation.table, space, tableNetwork(evaluation, space));
    return { backend: new LocalEvaluationBackend(space, evaluator), close: async () => {} };
  }
  // More workers than candidates per step would idle.
  const workers = Math.min(evaluation.workers ?? availableParallelism(), evaluation.candidatesPerStep);
  if (workers === 1) {
    const evaluator = new StandaloneEvaluator(space, opts.data!, opts.network!, evaluation, spec.seed);
    return { backend: new LocalEvaluationBackend(space, evaluator), close: async () => {} };
  }
  const pool = await EvaluatorPool.start(workers, {
    space: spec.space,
    dataset: spec.dataset!,
    dataOptions: opts.dataOptions,
    network: spec.network,
    options: evaluation,
    seed: spec.seed,
    backend: tf.getBackend() as BackendName,
  });
  return { backend: new LocalEvaluationBackend(space, pool, workers), close: () => pool.close() };
}
