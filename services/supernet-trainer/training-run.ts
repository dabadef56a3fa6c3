import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import { endlessBatches } from '../../src/search/weight-sharing-batches.js';
import { type SharedEpochResult, trainSharedEpoch } from '../../src/search/weight-sharing-epoch.js';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { supernetFromBytes, supernetToBytes } from '../../src/train/supernet/bytes.js';
import { Supernet } from '../../src/train/supernet/supernet.js';
import { ValidationError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import type { SupernetMetrics } from '../common/metrics/supernet-metrics.js';
import type { SearchEvents } from '../common/nats/events.js';
import { SearchEvent, SupernetCheckpoint } from '../gen/nasmesh/v1/events.js';
import { TrainingPhase, type TrainingStatus } from '../gen/nasmesh/v1/supernet_trainer.js';
import { checkpointBlobName, type CheckpointBlobs } from './checkpoint-blobs.js';
import type { PolicySource } from './policy-source.js';

/** What every training run of a trainer shares. */
export interface TrainingDeps {
  readonly checkpoints: CheckpointBlobs;
  readonly events: Pick<SearchEvents<SearchEvent>, 'publish'>;
  readonly metrics: SupernetMetrics;
  readonly dataOptions?: LoadOptions;
}

type WeightSharing = Extract<SearchSpec['spec']['evaluation'], { mode: 'weight-sharing' }>;

/**
 * The supernet training of one search, from its latest stored checkpoint (if any) to `spec.evaluation.epochs`: each
 * epoch fetches the policy, trains the shared weights on architectures drawn from it, stores the weights and
 * publishes a `supernet` event. stop() ends it after the step in progress, storing what that epoch trained.
 */
export class TrainingRun {
  private readonly stopper = new AbortController();
  private readonly evaluation: WeightSharing;
  private readonly space: EnasMicroSpace;
  private phase = TrainingPhase.RUNNING;
  private epoch = 0;
  private loss = 0;
  private latest?: SupernetCheckpoint;
  private message = '';
  /** Settles when the run has ended, whichever way (it never rejects: failures become the FAILED phase). */
  readonly done: Promise<void>;

  constructor(
    readonly searchId: string,
    private readonly spec: SearchSpec['spec'],
    private readonly policy: PolicySource,
    private readonly deps: TrainingDeps,
  ) {
    if (spec.evaluation.mode !== 'weight-sharing') {
      throw new ValidationError('spec.evaluation.mode', `the supernet trainer serves weight-sharing searches, not ${spec.evaluation.mode}`, ['weight-sharing']);
    }
    const space = createSpace(spec.space);
    if (!(space instanceof EnasMicroSpace)) {
      throw new ValidationError('spec.space.name', `weight-sharing supports the enas-micro space only, not ${space.name}`, ['enas-micro']);
    }
    this.evaluation = spec.evaluation;
    this.space = space;
    this.done = this.run();
  }

  status(): TrainingStatus {
    return {
      searchId: this.searchId,
      phase: this.phase,
      epoch: this.epoch,
      epochs: this.evaluation.epochs,
      loss: this.loss,
      latest: this.latest,
      message: this.message,
    };
  }

  get finished(): boolean {
    return this.phase !== TrainingPhase.RUNNING && this.phase !== TrainingPhase.WAITING_FOR_POLICY;
  }

  latestCheckpoint(): SupernetCheckpoint | undefined {
    return this.latest;
  }

  /** Stops after the step in progress; resolves once what that epoch trained is stored. */
  stop(reason: string): Promise<void> {
    if (!this.finished && !this.stopper.signal.aborted) {
      this.message = reason;
      this.stopper.abort(new Error(reason));
    }
    return this.done;
  }

  private async run(): Promise<void> {
    try {
      await this.train();
      this.phase = this.stopper.signal.aborted ? TrainingPhase.STOPPED : TrainingPhase.SUCCEEDED;
    } catch (e) {
      if (this.stopper.signal.aborted) this.phase = TrainingPhase.STOPPED;
      else {
        this.phase = TrainingPhase.FAILED;
        this.message = e instanceof Error ? e.message : String(e);
        console.error(`supernet training of ${this.searchId} failed: ${e instanceof Error ? e.stack : String(e)}`);
      }
    } finally {
      this.policy.close();
    }
  }

  private async train(): Promise<void> {
    const signal = this.stopper.signal;
    const stored = await this.deps.checkpoints.latest(this.searchId);
    const data = await loadDataset(this.spec.dataset, this.deps.dataOptions);
    const net = stored
      ? supernetFromBytes(this.space, await this.deps.checkpoints.weights(this.searchId, stored.objectName))
      : new Supernet(this.space, { inputShape: data.shape, classes: data.classes, ...this.spec.network, seed: initSeed(this.spec.seed) });
    try {
      let minVersion = 0;
      if (stored) {
        this.record(stored);
        minVersion = stored.policyVersion + 1;
        // The event of the newest epoch may have been lost with the previous process; a copy that was not is dropped.
        await this.publish(stored);
      }
      for (let epoch = this.epoch + 1; epoch <= this.evaluation.epochs && !signal.aborted; epoch++) {
        this.phase = TrainingPhase.WAITING_FOR_POLICY;
        const policy = await this.policy.fetch(this.searchId, minVersion, signal);
        this.phase = TrainingPhase.RUNNING;
        // Seeded by epoch, so a run resumed after a restart trains the epochs it has left as the first run would have.
        const rng = new Rng(epochSeed(this.spec.seed, epoch));
        const batches = endlessBatches(data.train, data, this.evaluation.batchSize, rng, true);
        const snapshot = { spec: this.spec.strategy, checkpoint: policy.checkpoint };
        const result = await trainSharedEpoch(net, snapshot, batches, this.evaluation.sharedStepsPerEpoch, rng, signal);
        if (result.steps === 0) break;
        await this.store(net, epoch, policy.version, result);
        minVersion = policy.version + 1;
      }
    } finally {
      net.dispose();
    }
  }

  private async store(net: Supernet, epoch: number, policyVersion: number, result: SharedEpochResult): Promise<void> {
    const record = SupernetCheckpoint.fromPartial({
      searchId: this.searchId,
      epoch,
      objectName: checkpointBlobName(epoch),
      policyVersion,
      loss: result.loss,
      accuracy: result.accuracy,
      time: new Date(),
    });
    await this.deps.checkpoints.put(record, supernetToBytes(net));
    this.record(record);
    this.deps.metrics.training(this.searchId, { loss: result.loss, accuracy: result.accuracy });
    await this.publish(record);
  }

  private record(checkpoint: SupernetCheckpoint): void {
    this.epoch = checkpoint.epoch;
    this.loss = checkpoint.loss;
    this.latest = checkpoint;
  }

  private async publish(record: SupernetCheckpoint): Promise<void> {
    const event = SearchEvent.fromPartial({ searchId: this.searchId, time: record.time, event: { $case: 'supernetCheckpoint', value: record } });
    await this.deps.events.publish(this.searchId, 'supernet', event, String(record.epoch));
  }
}

/** The supernet's initial weights as the embedded search draws them: the second number of the search's seed. */
function initSeed(seed: number): number {
  const rng = new Rng(seed);
  rng.nextUint32(); // the strategy's seed
  return rng.nextUint32();
}

function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed, 0x85ebca6b) + epoch) >>> 0;
}
