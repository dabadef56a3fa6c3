import { loadDataset, type LoadOptions } from '../../src/data/load.js';
import type { PolicySource } from '../../src/search/policy-source.js';
import type { SharedEpochResult } from '../../src/search/weight-sharing-epoch.js';
import {
  checkpointBlobName,
  epochPolicyVersion,
  initialSupernet,
  trainEpoch,
  weightSharingSpec,
  type WeightSharingSpec,
} from '../../src/search/weight-sharing-schedule.js';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { supernetFromBytes, supernetToBytes } from '../../src/train/supernet/bytes.js';
import type { Supernet } from '../../src/train/supernet/supernet.js';
import { ValidationError } from '../../src/util/errors.js';
import type { SupernetMetrics } from '../common/metrics/supernet-metrics.js';
import type { SearchEvents } from '../common/nats/events.js';
import { SearchEvent, SupernetCheckpoint } from '../gen/nasmesh/v1/events.js';
import { TrainingPhase, type TrainingStatus } from '../gen/nasmesh/v1/supernet_trainer.js';
import type { CheckpointBlobs } from './checkpoint-blobs.js';

/** What every training run of a trainer shares. */
export interface TrainingDeps {
  readonly checkpoints: CheckpointBlobs;
  readonly events: Pick<SearchEvents<SearchEvent>, 'publish'>;
  readonly metrics: SupernetMetrics;
  readonly dataOptions?: LoadOptions;
}

/**
 * The supernet training of one search, from its latest stored checkpoint (if any) to `spec.evaluation.epochs`: each
 * epoch fetches the policy of its version (weight-sharing-schedule.ts), trains the shared weights on architectures
 * drawn from it, stores the weights and publishes a `supernet` event. stop() ends it after the step in progress; an
 * epoch cut short is not stored (a restarted run trains it again from the one before, to the same weights).
 */
export class TrainingRun {
  private readonly stopper = new AbortController();
  private readonly spec: WeightSharingSpec;
  private readonly space: EnasMicroSpace;
  private phase = TrainingPhase.RUNNING;
  private epoch = 0;
  private loss = 0;
  private latest?: SupernetCheckpoint;
  private message = '';
  private fetching?: AbortController;
  /** Settles when the run has ended, whichever way (it never rejects: failures become the FAILED phase). */
  readonly done: Promise<void>;

  constructor(
    readonly searchId: string,
    spec: SearchSpec['spec'],
    private policy: PolicySource,
    private readonly deps: TrainingDeps,
  ) {
    this.spec = weightSharingSpec(spec);
    const space = createSpace(spec.space);
    if (!(space instanceof EnasMicroSpace)) {
      throw new ValidationError('spec.space.name', `weight-sharing supports the enas-micro space only, not ${space.name}`, ['enas-micro']);
    }
    this.space = space;
    this.done = this.run();
  }

  status(): TrainingStatus {
    return {
      searchId: this.searchId,
      phase: this.phase,
      epoch: this.epoch,
      epochs: this.spec.evaluation.epochs,
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
      : initialSupernet(this.space, data, this.spec);
    try {
      if (stored) {
        this.record(stored);
        // The event of the newest epoch may have been lost with the previous process; a copy that was not is dropped.
        await this.publish(stored);
      }
      for (let epoch = this.epoch + 1; epoch <= this.spec.evaluation.epochs && !signal.aborted; epoch++) {
        this.phase = TrainingPhase.WAITING_FOR_POLICY;
        // The controller cannot pass this version before the epoch's weights score its next candidate: it is exact.
        const policy = await this.fetchPolicy(epochPolicyVersion(this.spec.evaluation, epoch), signal);
        this.phase = TrainingPhase.RUNNING;
        const result = await trainEpoch(net, this.spec, data, epoch, policy.checkpoint, signal);
        if (result.stopped) break;
        await this.store(net, epoch, policy.version, result);
      }
    } finally {
      net.dispose();
    }
  }

  /** Fetches the policy from `source` from now on (a restarted controller listens elsewhere). */
  redirect(source: PolicySource): void {
    const old = this.policy;
    this.policy = source;
    old.close();
    this.fetching?.abort();
  }

  /** The policy at `version`, asked again of the new source when redirected meanwhile. */
  private async fetchPolicy(version: number, signal: AbortSignal) {
    for (;;) {
      const attempt = new AbortController();
      this.fetching = attempt;
      try {
        return await this.policy.fetch(this.searchId, version, AbortSignal.any([signal, attempt.signal]));
      } catch (e) {
        if (signal.aborted || !attempt.signal.aborted) throw e;
      }
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
    const event = SearchEvent.fromPartial({
      searchId: this.searchId,
      time: record.time,
      event: { $case: 'supernetCheckpoint', value: record },
    });
    await this.deps.events.publish(this.searchId, 'supernet', event, String(record.epoch));
  }
}
