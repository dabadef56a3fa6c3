import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import type { LoadedDataset } from '../../src/data/types.js';
import { candidateValidationBatch, scoreWithSupernet } from '../../src/search/weight-sharing-score.js';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import type { SearchStore } from '../../src/store/types.js';
import { supernetFromBytes } from '../../src/train/supernet/bytes.js';
import type { Supernet } from '../../src/train/supernet/supernet.js';
import { ValidationError } from '../../src/util/errors.js';
import { architectureFromMessage } from '../common/grpc/architecture.js';
import type { EvaluationJob, EvaluationResult } from '../gen/nasmesh/v1/evaluator.js';
import { checkpointWeights } from './checkpoint-blobs.js';
import { specFromDocument } from '../common/messages/search-document.js';

/** A loaded checkpoint and the evaluations using it: it is freed once evicted and no longer in use. */
interface CachedSupernet {
  readonly net: Promise<Supernet>;
  users: number;
  evicted: boolean;
}

/**
 * Evaluation mode `weight-sharing`: scores a job's architecture with the supernet checkpoint the job names (the
 * SupernetCheckpoint event's object_name) on the candidate's validation minibatch. Checkpoints are loaded once and
 * kept for the next jobs (the newest `capacity` of them: a search's jobs move from epoch to epoch), datasets once
 * per dataset spec.
 */
export class WeightSharingEvaluator {
  private readonly nets = new Map<string, CachedSupernet>();
  private readonly datasets = new Map<string, Promise<LoadedDataset>>();

  constructor(
    private readonly store: Pick<SearchStore, 'getBlob'>,
    private readonly dataOptions: LoadOptions = {},
    private readonly capacity = 2,
  ) {}

  /** The job's measurements; `worker` is left for the evaluator service to fill in. Throws when the job is bad. */
  async evaluate(job: EvaluationJob): Promise<EvaluationResult> {
    const started = performance.now();
    const { spec } = specFromDocument(job.document);
    if (spec.evaluation.mode !== 'weight-sharing') {
      throw new ValidationError('document.spec.evaluation.mode', `is ${spec.evaluation.mode}, not weight-sharing`);
    }
    if (job.checkpoint === '') throw new ValidationError('checkpoint', 'is required in weight-sharing mode');
    const { space, arch } = architectureFromMessage(job.architecture);
    if (!(space instanceof EnasMicroSpace)) throw new ValidationError('architecture.space', 'must be enas-micro for weight sharing');
    const data = await this.dataset(spec.dataset);
    const batch = candidateValidationBatch(data, spec.evaluation.batchSize, spec.seed, job.index);
    const accuracy = await this.withSupernet(job.searchId, job.checkpoint, space, (net) => scoreWithSupernet(net, arch, batch));
    return {
      searchId: job.searchId,
      index: job.index,
      architecture: { ...job.architecture!, hash: space.hash(arch) },
      accuracy,
      params: 0,
      flops: 0,
      seconds: (performance.now() - started) / 1000,
      error: '',
      worker: '',
    };
  }

  /** Frees every cached supernet (those in use once their evaluations end). */
  close(): void {
    for (const key of [...this.nets.keys()]) this.evict(key);
  }

  private async withSupernet<T>(searchId: string, name: string, space: EnasMicroSpace, use: (net: Supernet) => T): Promise<T> {
    const key = `${searchId}/${name}`;
    let entry = this.nets.get(key);
    if (entry === undefined) {
      const net = checkpointWeights(this.store, searchId, name).then((bytes) => supernetFromBytes(space, bytes));
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
      if (entry.evicted && entry.users === 0) void entry.net.then((net) => net.dispose(), () => undefined);
    }
  }

  private evict(key: string): void {
    const entry = this.nets.get(key);
    if (entry === undefined) return;
    this.nets.delete(key);
    entry.evicted = true;
    if (entry.users === 0) void entry.net.then((net) => net.dispose(), () => undefined);
  }

  private dataset(spec: unknown): Promise<LoadedDataset> {
    const key = JSON.stringify(spec);
    let data = this.datasets.get(key);
    if (data === undefined) {
      data = loadDataset(spec, this.dataOptions);
      this.datasets.set(key, data);
      data.catch(() => this.datasets.delete(key));
    }
    return data;
  }
}
