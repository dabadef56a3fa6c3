import type { NatsConnection } from 'nats';
import { hasEnded, type SearchStore } from '../../src/store/types.js';
import type { EvaluationMode, EvaluatorMetrics } from '../common/metrics/evaluator-metrics.js';
import { jobCodec, resultCodec } from '../common/messages/evaluation-codecs.js';
import { EndedSearches } from '../common/nats/ended-searches.js';
import { evaluationWorkKind } from '../common/nats/evaluation-kind.js';
import { sleep } from '../common/nats/retry.js';
import type { DeliveryContext } from '../common/nats/types.js';
import { WorkQueueConsumer } from '../common/nats/work-consumer.js';
import type { EvaluationJob, EvaluationResult } from '../gen/nasmesh/v1/evaluator.js';
import type { JobEvaluator } from './job-evaluator.js';

export interface QueueWorkerOptions {
  /** For tests of slow evaluations: wait this long before each one. */
  readonly delayMs: number;
  /** How long a held job may go without a heartbeat before the server gives it to another evaluator. */
  readonly ackWaitMs: number;
  readonly onError: (error: Error) => void;
  /**
   * Take only this search's jobs (`--search`), from work-queue consumers of its own; `store` tells whether it has
   * ended (it may have ended before this process started, or while it was cut off from NATS).
   */
  readonly search?: { readonly id: string; readonly store: Pick<SearchStore, 'getSearch'> };
  /** Where the worker says that its search ended and it idles. */
  readonly log?: (line: string) => void;
}

/** How often a per-search worker reads its search's phase, in case it missed the end event. */
const PHASE_POLL_MS = 30_000;

/**
 * The evaluator's work-queue side: one competing consumer per evaluation mode it serves. WorkQueueConsumer publishes
 * each result under the job's message id and acks the job only then, and heartbeats a job while it runs. A job that
 * cannot be evaluated (a bad document, a missing table) still gets a result, carrying the error: the controller
 * fails the search with it instead of waiting for a result that never comes. Jobs of a search that ended
 * (cancelled, failed) are dropped, and one being evaluated when its search ends is stopped: nobody wants its result.
 *
 * A per-search worker (`search`) pulls from consumers of that search only. Once the search has ended (its end
 * event, its stored phase, or its consumer deleted by the controller) it deletes its consumers, so that nothing of
 * the search is left in NATS, and idles quietly until stopped.
 */
export class QueueWorker {
  private readonly consumers = new Map<EvaluationMode, WorkQueueConsumer>();
  private readonly ended: EndedSearches;
  private readonly log: (line: string) => void;
  private opening: Promise<void> = Promise.resolve();
  private retiring?: Promise<void>;
  private poll?: NodeJS.Timeout;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly evaluator: JobEvaluator,
    private readonly metrics: EvaluatorMetrics,
    private readonly o: QueueWorkerOptions,
  ) {
    this.ended = new EndedSearches(nc);
    this.log = o.log ?? ((line) => console.log(line));
  }

  static async start(nc: NatsConnection, evaluator: JobEvaluator, metrics: EvaluatorMetrics, o: QueueWorkerOptions): Promise<QueueWorker> {
    const worker = new QueueWorker(nc, evaluator, metrics, o);
    try {
      await worker.open();
    } catch (e) {
      await worker.stop(0);
      throw e;
    }
    return worker;
  }

  /** Takes no more jobs; a job still running after `graceMs` is handed back for another evaluator at once. */
  async stop(graceMs: number): Promise<void> {
    clearInterval(this.poll);
    await Promise.all([this.opening.catch(() => {}), this.retiring]);
    await Promise.all([...this.consumers.values()].map((c) => c.stop(graceMs)));
    this.ended.stop();
  }

  private async open(): Promise<void> {
    const search = this.o.search;
    if (search === undefined) {
      this.opening = this.openConsumers();
      return this.opening;
    }
    // Listening before the phase is read: an end between the two is heard.
    const end = this.ended.watch(search.id);
    end.signal.addEventListener('abort', () => void this.retire('ended'), { once: true });
    if (end.signal.aborted || (await this.searchEnded()) || this.retiring) return this.retire('has ended');
    this.opening = this.openConsumers();
    await this.opening;
    if (!this.retiring) this.poll = setInterval(() => void this.checkPhase(), PHASE_POLL_MS);
  }

  private async openConsumers(): Promise<void> {
    for (const mode of this.evaluator.modes) this.consumers.set(mode, await this.consumer(mode));
  }

  private consumer(mode: EvaluationMode): Promise<WorkQueueConsumer> {
    const searchId = this.o.search?.id;
    return WorkQueueConsumer.start<EvaluationJob, EvaluationResult>(this.nc, (job, ctx) => this.handle(mode, job, ctx), {
      kind: evaluationWorkKind(mode),
      ...(searchId !== undefined ? { searchId, onConsumerGone: () => void this.consumerGone(mode) } : {}),
      jobCodec,
      resultCodec,
      ackWaitMs: this.o.ackWaitMs,
      ended: (id) => this.ended.has(id),
      onError: this.o.onError,
    });
  }

  private async handle(mode: EvaluationMode, job: EvaluationJob, ctx: DeliveryContext): Promise<EvaluationResult> {
    const taken = performance.now();
    this.metrics.queueWait(job.searchId, Math.max(0, Date.now() - ctx.publishedAt.getTime()) / 1000);
    this.metrics.delivered(job.searchId, ctx.deliveryCount);
    const end = this.ended.watch(job.searchId);
    const signal = AbortSignal.any([ctx.signal, end.signal]);
    let result: EvaluationResult;
    try {
      if (this.o.delayMs > 0) await sleep(this.o.delayMs, signal);
      result = await this.evaluator.evaluate(this.evaluator.parse(job), signal);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      // Stopped because the search ended: the consumer drops this result unpublished.
      if (!end.signal.aborted) this.o.onError(new Error(`job ${job.searchId}.${job.index}: ${e instanceof Error ? e.message : String(e)}`));
      result = this.evaluator.failed(job, e);
    } finally {
      end.release();
    }
    this.metrics.evaluation(job.searchId, mode, (performance.now() - taken) / 1000);
    return result;
  }

  /** The controller deleted the search's consumer: it ended (then idle), or someone deleted it by hand (recreated). */
  private async consumerGone(mode: EvaluationMode): Promise<void> {
    if (this.retiring || (await this.searchEnded().catch(() => false))) return this.retire('has ended');
    this.o.onError(
      new Error(`the work-queue consumer of search ${this.o.search!.id} (${mode}) was deleted while the search runs; creating it again`),
    );
    await this.consumers.get(mode)?.stop();
    const replacement = await this.consumer(mode);
    if (this.retiring) await replacement.delete();
    else this.consumers.set(mode, replacement);
  }

  private async checkPhase(): Promise<void> {
    try {
      if (await this.searchEnded()) await this.retire('has ended');
    } catch {
      // NATS unreachable for longer than the store retries: the next poll asks again.
    }
  }

  private async searchEnded(): Promise<boolean> {
    const { id, store } = this.o.search!;
    const search = await store.getSearch(id);
    return search !== undefined && hasEnded(search.phase);
  }

  /** The search ended: its consumers are deleted (the controller deletes them too), and this worker idles. */
  private retire(why: string): Promise<void> {
    this.retiring ??= (async () => {
      clearInterval(this.poll);
      await this.opening.catch(() => {});
      const consumers = [...this.consumers.values()];
      this.consumers.clear();
      await Promise.all(consumers.map((c) => c.delete()));
      this.log(`search ${this.o.search!.id} ${why}: this evaluator takes no more jobs and idles until stopped`);
    })().catch((e: unknown) =>
      this.o.onError(
        new Error(`deleting the consumers of search ${this.o.search!.id} failed: ${e instanceof Error ? e.message : String(e)}`),
      ),
    );
    return this.retiring;
  }
}
