import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import type { LoadedDataset } from '../../src/data/types.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import { candidateValidationBatch, scoreWithSupernet } from '../../src/search/weight-sharing-score.js';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import type { SearchStore } from '../../src/store/types.js';
import { type BackendName, initBackend } from '../../src/tf/backend.js';
import { architectureCost } from '../../src/train/cost.js';
import { datasetNetwork } from '../../src/train/dataset-network.js';
import { supernetFromBytes } from '../../src/train/supernet/bytes.js';
import type { Supernet } from '../../src/train/supernet/supernet.js';
import { ValidationError } from '../../src/util/errors.js';
import type { ModeEvaluator, ParsedJob } from './mode-evaluator.js';

/** A loaded checkpoint and the evaluations using it: it is freed once evicted and no longer in use. */
interface CachedSupernet {
  readonly net: Promise<Supernet>;
  users: number;
  evicted: boolean;
}

/**
 * Evaluation mode `weight-sharing`: scores a job's architecture with the supernet checkpoint the job names (the
 * SupernetCheckpoint event's object_name) on the candidate's validation minibatch, with its standalone network's
 * parameters and multiply-adds (computed from the architecture, not built). Checkpoints are loaded once and
 * kept for the next jobs (the newest `capacity` of them: a search's jobs move from epoch to epoch), datasets once
 * per dataset spec (the `capacity` most recently used). A dataset path is read within `dataOptions.roots`.
 */
export class WeightSharingModeEvaluator implements ModeEvaluator {
  private readonly nets = new Map<string, CachedSupernet>();
  private readonly datasets = new Map<string, Promise<LoadedDataset>>();
  private backend?: Promise<BackendName>;

  constructor(
    private readonly store: Pick<SearchStore, 'getBlob'>,
    private readonly dataOptions: LoadOptions = {},
    private readonly capacity = 2,
  ) {}

  async evaluate({ job, search, space, arch }: ParsedJob): Promise<Evaluation> {
    const { spec } = search;
    if (spec.evaluation.mode !== 'weight-sharing') throw new Error(`a ${spec.evaluation.mode} job reached the weight-sharing evaluator`);
    if (job.checkpoint === '') throw new ValidationError('checkpoint', 'is required in weight-sharing mode');
    if (!(space instanceof EnasMicroSpace))
      throw new ValidationError('architecture.space', 'must be enas-micro for weight sharing', ['enas-micro']);
    this.backend ??= initBackend(spec.backend);
    await this.backend;
    const data = await this.dataset(spec.dataset);
    const batch = candidateValidationBatch(data, spec.evaluation.batchSize, spec.seed, job.index);
    const accuracy = await this.withSupernet(job.searchId, job.checkpoint, space, (net) => scoreWithSupernet(net, arch, batch));
    const { params, macs } = architectureCost(space, arch, datasetNetwork(data, spec.network));
    return { accuracy, params, flops: macs };
  }

  /** Frees every cached supernet (those in use once their evaluations end). */
  async close(): Promise<void> {
    for (const key of [...this.nets.keys()]) this.evict(key);
  }

  private async withSupernet<T>(searchId: string, name: string, space: EnasMicroSpace, use: (net: Supernet) => T): Promise<T> {
    const key = `${searchId}/${name}`;
    let entry = this.nets.get(key);
    if (entry === undefined) {
      const net = this.store.getBlob(searchId, name).then((bytes) => {
        if (bytes === undefined) throw new Error(`search ${searchId} has no supernet checkpoint '${name}'`);
        return supernetFromBytes(space, bytes);
      });
      entry = { net, users: 0, evicted: false };
      this.nets.set(key, entry);
      // A checkpoint that failed to load is not cached: the next job tries again.
      net.catch(() => this.nets.get(key) === entry && this.nets.delete(key));
      const stale = [...this.nets.keys()].slice(0, Math.max(0, this.nets.size - this.capacity));
      for (const old of stale) this.evict(old);
    } else {
      // Map order is recency order: re-inserting marks this checkpoint as just used.
      this.nets.delete(key);
      this.nets.set(key, entry);
    }
    entry.users++;
    try {
      // Synchronous from here: no other evaluation can evict the supernet while it scores.
      return use(await entry.net);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0)
        void entry.net.then(
          (net) => net.dispose(),
          () => undefined,
        );
    }
  }

  private evict(key: string): void {
    const entry = this.nets.get(key);
    if (entry === undefined) return;
    this.nets.delete(key);
    entry.evicted = true;
    if (entry.users === 0)
      void entry.net.then(
        (net) => net.dispose(),
        () => undefined,
      );
  }

  /** The dataset of `spec`, loaded once; the `capacity` most recently used stay loaded. */
  private dataset(spec: unknown): Promise<LoadedDataset> {
    const key = JSON.stringify(spec);
    let data = this.datasets.get(key);
    if (data === undefined) {
      data = loadDataset(spec, this.dataOptions);
      data.catch(() => this.datasets.delete(key));
    } else {
      this.datasets.delete(key);
    }
    this.datasets.set(key, data);
    for (const old of [...this.datasets.keys()].slice(0, Math.max(0, this.datasets.size - this.capacity))) this.datasets.delete(old);
    return data;
  }
}
