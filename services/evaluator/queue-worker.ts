import type { NatsConnection } from 'nats';
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
}

/**
 * The evaluator's work-queue side: one competing consumer per evaluation mode it serves. WorkQueueConsumer publishes
 * each result under the job's message id and acks the job only then, and heartbeats a job while it runs. A job that
 * cannot be evaluated (a bad document, a missing table) still gets a result, carrying the error: the controller
 * fails the search with it instead of waiting for a result that never comes. Jobs of a search that ended
 * (cancelled, failed) are dropped, and one being evaluated when its search ends is stopped: nobody wants its result.
 */
export class QueueWorker {
  private constructor(
    private readonly consumers: WorkQueueConsumer[],
    private readonly ended: EndedSearches,
  ) {}

  static async start(nc: NatsConnection, evaluator: JobEvaluator, metrics: EvaluatorMetrics, o: QueueWorkerOptions): Promise<QueueWorker> {
    const ended = new EndedSearches(nc);
    const consumers = await Promise.all(
      evaluator.modes.map((mode) =>
        WorkQueueConsumer.start<EvaluationJob, EvaluationResult>(nc, (job, ctx) => handle(mode, job, ctx), {
          kind: evaluationWorkKind(mode),
          jobCodec,
          resultCodec,
          ackWaitMs: o.ackWaitMs,
          ended: (searchId) => ended.has(searchId),
          onError: o.onError,
        }),
      ),
    );
    return new QueueWorker(consumers, ended);

    async function handle(mode: EvaluationMode, job: EvaluationJob, ctx: DeliveryContext): Promise<EvaluationResult> {
      const taken = performance.now();
      metrics.queueWait(job.searchId, Math.max(0, Date.now() - ctx.publishedAt.getTime()) / 1000);
      const end = ended.watch(job.searchId);
      const signal = AbortSignal.any([ctx.signal, end.signal]);
      let result: EvaluationResult;
      try {
        if (o.delayMs > 0) await sleep(o.delayMs, signal);
        result = await evaluator.evaluate(evaluator.parse(job), signal);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        // Stopped because the search ended: the consumer drops this result unpublished.
        if (!end.signal.aborted) o.onError(new Error(`job ${job.searchId}.${job.index}: ${e instanceof Error ? e.message : String(e)}`));
        result = evaluator.failed(job, e);
      } finally {
        end.release();
      }
      metrics.evaluation(job.searchId, mode, (performance.now() - taken) / 1000);
      return result;
    }
  }

  /** Takes no more jobs; a job still running after `graceMs` is handed back for another evaluator at once. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop(graceMs)));
    this.ended.stop();
  }
}
