import type { LoadedDataset } from '../data/types.js';
import type { EnasMicroSpace } from '../space/enas-micro.js';
import type { SearchStore } from '../store/types.js';
import { architectureCost } from '../train/cost.js';
import { datasetNetwork } from '../train/dataset-network.js';
import { supernetFromBytes, supernetToBytes } from '../train/supernet/bytes.js';
import type { Supernet } from '../train/supernet/supernet.js';
import { NasmeshError } from '../util/errors.js';
import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from './evaluation-backend.js';
import type { SharedEpochResult } from './weight-sharing-epoch.js';
import {
  checkpointBlobName,
  epochOfCandidate,
  epochPolicyVersion,
  initialSupernet,
  trainEpoch,
  type WeightSharingSpec,
} from './weight-sharing-schedule.js';
import { candidateValidationBatch, scoreWithSupernet } from './weight-sharing-score.js';

/** For people watching: each epoch's steps as they go (0 done as the epoch starts) and its result. */
export interface SupernetTrainingListeners {
  readonly onStep?: (epoch: number, done: number, loss?: number, accuracy?: number) => void;
  readonly onEpoch?: (epoch: number, result: SharedEpochResult) => void;
}

/**
 * Weight-sharing evaluation in one process, in place of the mesh's supernet trainer and evaluators. The shared
 * weights are trained here when the first candidate of an epoch asks for them: the session waits for that result,
 * so the policy in the store is exactly the one the epoch trains with. Each epoch's weights are stored as the same
 * blob the trainer stores (a resumed run continues from the last one); candidates are scored as an evaluator does,
 * with the parameters and multiply-adds of their standalone network (computed, not built).
 */
export class LocalWeightSharingBackend implements EvaluationBackend {
  private current?: { epoch: number; net: Supernet };

  constructor(
    private readonly id: string,
    private readonly spec: WeightSharingSpec,
    private readonly space: EnasMicroSpace,
    private readonly data: LoadedDataset,
    private readonly store: Pick<SearchStore, 'getBlob' | 'putBlob' | 'getCheckpoint'>,
    private readonly listeners: SupernetTrainingListeners = {},
  ) {}

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    const { evaluation, seed } = this.spec;
    for (const job of jobs) {
      const started = performance.now();
      const net = await this.supernet(epochOfCandidate(evaluation, job.index), signal);
      const batch = candidateValidationBatch(this.data, evaluation.batchSize, seed, job.index);
      const arch = this.space.fromJSON(job.architecture);
      const accuracy = scoreWithSupernet(net, arch, batch);
      const { params, macs } = architectureCost(this.space, arch, datasetNetwork(this.data, this.spec.network));
      yield {
        search: job.search,
        index: job.index,
        evaluation: { accuracy, params, flops: macs },
        seconds: (performance.now() - started) / 1000,
      };
    }
  }

  /** The supernet last trained (epoch `epochs` once the search is done); the caller takes it over. */
  take(): Supernet | undefined {
    const net = this.current?.net;
    this.current = undefined;
    return net;
  }

  dispose(): void {
    this.current?.net.dispose();
    this.current = undefined;
  }

  /** The weights after `epoch`: in memory, stored, or the epoch before trained once more. */
  private async supernet(epoch: number, signal?: AbortSignal): Promise<Supernet> {
    if (this.current?.epoch === epoch) return this.current.net;
    if (this.current?.epoch !== epoch - 1) {
      // A resumed run: this epoch's weights, else the previous epoch's, are in the store.
      const stored = await this.load(epoch);
      if (stored) return this.replace(epoch, stored);
      const previous = epoch === 1 ? initialSupernet(this.space, this.data, this.spec) : await this.load(epoch - 1);
      if (!previous) throw new NasmeshError(`search ${this.id}: the shared weights after epoch ${epoch - 1} are not stored`);
      this.replace(epoch - 1, previous);
    }
    const net = this.current!.net;
    const checkpoint = await this.store.getCheckpoint(this.id);
    const version = checkpoint?.observed ?? -1;
    if (!checkpoint || version !== epochPolicyVersion(this.spec.evaluation, epoch)) {
      throw new NasmeshError(
        `search ${this.id}: epoch ${epoch} trains with policy version ${epochPolicyVersion(this.spec.evaluation, epoch)}, the store has ${version}`,
      );
    }
    const onStep = this.listeners.onStep;
    onStep?.(epoch, 0);
    const result = await trainEpoch(
      net,
      this.spec,
      this.data,
      epoch,
      checkpoint.strategy,
      signal,
      onStep && ((...step) => onStep(epoch, ...step)),
    );
    if (result.stopped) {
      // Half an epoch is no state to keep: a resumed run trains the epoch again from the stored one before.
      this.dispose();
      signal?.throwIfAborted();
    }
    await this.store.putBlob(this.id, checkpointBlobName(epoch), supernetToBytes(net));
    this.current = { epoch, net };
    this.listeners.onEpoch?.(epoch, result);
    return net;
  }

  private async load(epoch: number): Promise<Supernet | undefined> {
    const bytes = await this.store.getBlob(this.id, checkpointBlobName(epoch));
    return bytes && supernetFromBytes(this.space, bytes);
  }

  private replace(epoch: number, net: Supernet): Supernet {
    if (this.current?.net !== net) this.current?.net.dispose();
    this.current = { epoch, net };
    return net;
  }
}
