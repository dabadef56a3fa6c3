import { type ServiceError, status } from '@grpc/grpc-js';
import { ClientSecurity } from '../common/security/client-security.js';
import { NasmeshError } from '../../src/util/errors.js';
import { sleep } from '../common/nats/retry.js';
import type { SearchDocument } from '../gen/nasmesh/v1/common.js';
import { SupernetTrainerClient, TrainingPhase, type TrainingStatus } from '../gen/nasmesh/v1/supernet_trainer.js';

/** Deadline of each call to the trainer: it answers from memory. */
const CALL_DEADLINE_MS = 10_000;

/**
 * The controller's side of the supernet trainer (SupernetTrainer RPCs at `address`): keeps a search's training
 * started and tells when an epoch's weights are stored. Asking again while waiting also restarts training on a
 * trainer that restarted (StartTraining resumes from the stored checkpoint), so neither side needs to watch the other.
 */
export class TrainerLink {
  private readonly client: SupernetTrainerClient;
  /** host:port the trainer reaches this controller at, for policy snapshots; set once the controller listens. */
  controller = '';
  private readonly registered = new Set<string>();

  constructor(
    readonly address: string,
    private readonly security: ClientSecurity = ClientSecurity.plaintext(),
    private readonly pollMs = 100,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {
    security.assertCanCall(address);
    this.client = new SupernetTrainerClient(address, security.credentials, security.options);
  }

  /** Resolves once the weights after `epoch` are stored; rejects when training failed or `signal` aborts. */
  async epochStored(searchId: string, document: SearchDocument, epoch: number, signal: AbortSignal): Promise<void> {
    let unavailable = false;
    for (;;) {
      signal.throwIfAborted();
      try {
        const s = await this.trainingStatus(searchId, document);
        if ((s.latest?.epoch ?? 0) >= epoch) return;
        if (s.phase === TrainingPhase.FAILED) throw new NasmeshError(`supernet training of ${searchId} failed: ${s.message}`);
        unavailable = false;
      } catch (e) {
        if ((e as ServiceError).code !== status.UNAVAILABLE) throw e;
        if (!unavailable) this.log(`search ${searchId}: supernet trainer ${this.address} unavailable; asking again`);
        unavailable = true;
      }
      await sleep(unavailable ? 10 * this.pollMs : this.pollMs, signal);
    }
  }

  /** Stops the search's training (it was cancelled); a trainer that does not train it is fine. */
  async stop(searchId: string): Promise<void> {
    try {
      await this.call<TrainingStatus>('stopTraining', { searchId });
    } catch (e) {
      if ((e as ServiceError).code !== status.NOT_FOUND) throw e;
    }
  }

  close(): void {
    this.client.close();
  }

  /**
   * The training's status, (re)starting it when this trainer does not run it or it was stopped. The first ask of
   * each search from this controller is a StartTraining too, which points a running training at this controller's
   * address (it may have restarted elsewhere).
   */
  private async trainingStatus(searchId: string, document: SearchDocument): Promise<TrainingStatus> {
    if (!this.registered.has(searchId)) {
      const s = await this.start(searchId, document);
      this.registered.add(searchId);
      return s;
    }
    try {
      const s = await this.call<TrainingStatus>('getStatus', { searchId });
      if (s.phase !== TrainingPhase.STOPPED) return s;
    } catch (e) {
      if ((e as ServiceError).code !== status.NOT_FOUND) throw e;
    }
    return this.start(searchId, document);
  }

  private start(searchId: string, document: SearchDocument): Promise<TrainingStatus> {
    if (this.controller === '') throw new NasmeshError('the controller has no address for the trainer yet');
    return this.call<TrainingStatus>('startTraining', { searchId, document, controller: this.controller });
  }

  private call<R>(method: 'startTraining' | 'getStatus' | 'stopTraining', request: object): Promise<R> {
    const fn = this.client[method] as unknown as (r: object, m: unknown, o: object, cb: (e: ServiceError | null, r: R) => void) => void;
    return new Promise((resolve, reject) =>
      fn.call(this.client, request, this.security.metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
  }
}
