import type { NatsConnection } from 'nats';
import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from '../../src/search/evaluation-backend.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { NasmeshError } from '../../src/util/errors.js';
import { architectureMessage } from '../common/messages/architecture.js';
import { documentFromSpec } from '../common/messages/search-document.js';
import { jobCodec, resultCodec } from '../common/messages/evaluation-codecs.js';
import { evaluationWorkKind } from '../common/nats/evaluation-kind.js';
import { ResultsConsumer } from '../common/nats/results-consumer.js';
import type { DeliveryContext } from '../common/nats/types.js';
import { WorkQueue } from '../common/nats/work-queue.js';
import type { SearchDocument } from '../gen/nasmesh/v1/common.js';
import type { EvaluationJob as JobMessage, EvaluationResult } from '../gen/nasmesh/v1/evaluator.js';

/** A result message received and not yet stored: each ack releases one delivery of it. */
interface Held {
  readonly result: EvaluationResult;
  readonly acks: (() => void)[];
}

/**
 * How long a result may stay unacked without a heartbeat. The controller holds each only until it is stored
 * (milliseconds), so this is what a restarted controller waits for the result its predecessor died holding; the
 * heartbeats (every third of it) keep a held result from being delivered again while the controller is alive.
 */
const RESULTS_ACK_WAIT_MS = 3_000;

/** Most results held at once: a step's worth and one more (see ResultsConsumerOptions.concurrency), within reason. */
const MAX_RESULT_SLOTS = 17;

/**
 * One search's evaluations on the mesh: each job goes to the work queue of the search's evaluation mode under the
 * message id `<search>.<index>`, and results come back through the search's own durable results consumer.
 *
 * A result message is acked only once the session has stored its candidate (`markStored`, called from the
 * session's onEvaluated hook), not when it is handed over: a controller that dies in between gets the result again
 * after its restart, while the job itself, acked by the evaluator, is gone and a re-submitted copy would be dropped
 * as a duplicate. Results may arrive before the session asks for them (a restarted controller's consumer starts
 * first), so they are held by index until it does.
 */
export class NatsEvaluationBackend implements EvaluationBackend {
  private readonly arrived = new Map<number, Held>();
  /** Handed to the session, waiting to be stored. */
  private readonly handed = new Map<number, (() => void)[]>();
  private readonly stored: Set<number>;
  private readonly document: SearchDocument;
  private wake = () => {};
  private consumer?: ResultsConsumer;

  private constructor(
    private readonly search: SearchSpec,
    private readonly queue: WorkQueue<JobMessage>,
    stored: Iterable<number>,
  ) {
    this.stored = new Set(stored);
    this.document = documentFromSpec(search);
  }

  /** `stored`: the indices the store holds already, whose results (redelivered copies) are acked on arrival. */
  static async open(nc: NatsConnection, search: SearchSpec, stored: Iterable<number>): Promise<NatsEvaluationBackend> {
    const kind = evaluationWorkKind(search.spec.evaluation.mode);
    const queue = await WorkQueue.open(nc, { kind, codec: jobCodec });
    const backend = new NatsEvaluationBackend(search, queue, stored);
    backend.consumer = await ResultsConsumer.start(nc, search.metadata.name, (r, ctx) => backend.receive(r, ctx), {
      codec: resultCodec,
      ackWaitMs: RESULTS_ACK_WAIT_MS,
      concurrency: Math.min(MAX_RESULT_SLOTS, stepSize(search) + 1),
    });
    return backend;
  }

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    signal?.throwIfAborted();
    const submitted = performance.now();
    await Promise.all(jobs.map((job) => this.queue.submitJob(this.job(job), { searchId: job.search, index: job.index })));
    const waiting = new Set(jobs.map((j) => j.index));
    while (waiting.size > 0) {
      const index = [...waiting].find((i) => this.arrived.has(i));
      if (index === undefined) {
        await this.nextArrival(signal);
        continue;
      }
      const { result, acks } = this.arrived.get(index)!;
      this.arrived.delete(index);
      this.handed.set(index, acks);
      waiting.delete(index);
      if (result.error !== '') {
        throw new NasmeshError(`candidate ${index}: evaluation failed on ${result.worker || 'an evaluator'}: ${result.error}`);
      }
      const evaluation: Evaluation = {
        accuracy: result.accuracy,
        params: result.params,
        flops: result.flops,
        ...(result.diverged !== undefined ? { diverged: result.diverged } : {}),
      };
      yield { search: this.search.metadata.name, index, evaluation, seconds: (performance.now() - submitted) / 1000 };
    }
  }

  /** The session stored candidate `index`: its result messages are acked, later copies acked on arrival. */
  markStored(index: number): void {
    this.stored.add(index);
    const acks = this.handed.get(index) ?? this.arrived.get(index)?.acks ?? [];
    this.handed.delete(index);
    this.arrived.delete(index);
    for (const ack of acks) ack();
  }

  /** Stops taking results; unstored ones go back to the durable consumer for the next controller. */
  stop(): Promise<void> {
    return this.consumer?.stop() ?? Promise.resolve();
  }

  /**
   * The search is over: removes the jobs still queued for it (nobody will take their results) and the consumers of
   * its own evaluators, then its results consumer and whatever results are still queued for it.
   */
  async destroy(): Promise<void> {
    await this.queue.purge(this.search.metadata.name);
    await this.queue.deleteSearchConsumers(this.search.metadata.name);
    await this.consumer?.destroy();
  }

  private receive(result: EvaluationResult, { key }: DeliveryContext): Promise<void> {
    if (this.stored.has(key.index)) return Promise.resolve();
    return new Promise<void>((ack) => {
      const acks = this.handed.get(key.index) ?? this.arrived.get(key.index)?.acks;
      if (acks) acks.push(ack);
      else this.arrived.set(key.index, { result, acks: [ack] });
      this.wake();
    });
  }

  private nextArrival(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      this.wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }

  private job(job: EvaluationJob): JobMessage {
    return {
      searchId: job.search,
      index: job.index,
      architecture: architectureMessage(this.search.spec.space, job.architecture),
      document: this.document,
      checkpoint: job.checkpoint ?? '',
    };
  }
}

/** Candidates the session evaluates per step; one where the mode has no such setting. */
function stepSize(search: SearchSpec): number {
  const { evaluation } = search.spec;
  return 'candidatesPerStep' in evaluation ? evaluation.candidatesPerStep : 1;
}
