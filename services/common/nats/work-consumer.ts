import type { NatsConnection } from 'nats';
import { jsonCodec } from './codec.js';
import { DEFAULT_ACK_WAIT_MS, ensureDurable } from './durable.js';
import { deliveryContext } from './delivery.js';
import { keyHeaders } from './job-key.js';
import { publishOnce } from './publish.js';
import { PullLoop } from './pull-loop.js';
import { ensureStream, RESULTS_STREAM_CONFIG, WORK_STREAM_CONFIG } from './streams.js';
import { jobMsgId, resultSubject, WORK_STREAM, workConsumerName, workFilter } from './subjects.js';
import type { Codec, ErrorListener, JobHandler } from './types.js';

export interface WorkQueueConsumerOptions<J, R> {
  readonly kind: string;
  readonly jobCodec?: Codec<J>;
  readonly resultCodec?: Codec<R>;
  /** Jobs run at once by this process (default 1). */
  readonly concurrency?: number;
  /**
   * How long a job may go without a heartbeat before the server gives it to another worker (default 30 s); a
   * property of the consumer all workers of the kind share, so the last worker started sets it.
   */
  readonly ackWaitMs?: number;
  /** Delay before a job whose handler threw is tried again (default 1 s). */
  readonly retryDelayMs?: number;
  /**
   * Whether a search has ended (cancelled, failed, finished): its jobs are acked without running the handler, and a
   * result its handler returns after the end is not published, because no controller takes it any more.
   */
  readonly ended?: (searchId: string) => boolean;
  readonly onError?: ErrorListener;
}

/**
 * A worker on the work queue: all workers of a kind pull from one durable consumer, so each job goes to one of
 * them. For each job it runs the handler, publishes the result to `nasmesh.result.<searchId>` under the job's
 * message id (a job redelivered after its worker died yields a result JetStream drops as a duplicate) and only
 * then acks the job.
 */
export class WorkQueueConsumer {
  private constructor(private readonly loop: PullLoop) {}

  static async start<J, R>(
    nc: NatsConnection,
    handler: JobHandler<J, R>,
    options: WorkQueueConsumerOptions<J, R>,
  ): Promise<WorkQueueConsumer> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, WORK_STREAM_CONFIG);
    await ensureStream(jsm, RESULTS_STREAM_CONFIG);
    const js = nc.jetstream();
    const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const consumer = await ensureDurable(js, jsm, {
      stream: WORK_STREAM,
      name: workConsumerName(options.kind),
      filterSubject: workFilter(options.kind),
      ackWaitMs,
    });
    const jobCodec = options.jobCodec ?? jsonCodec<J>();
    const resultCodec = options.resultCodec ?? jsonCodec<R>();
    const onError = options.onError ?? ((err) => console.error(`work queue ${options.kind}:`, err));
    const ended = options.ended ?? (() => false);
    const loop = new PullLoop(
      nc,
      consumer,
      async (msg, signal) => {
        const context = deliveryContext(msg, signal);
        const { key } = context;
        if (ended(key.searchId)) return;
        const result = await handler(jobCodec.decode(msg.data), context);
        if (signal.aborted || ended(key.searchId)) return;
        await publishOnce(js, resultSubject(key.searchId), resultCodec.encode(result), jobMsgId(key), keyHeaders(key));
      },
      { concurrency: options.concurrency ?? 1, ackWaitMs, retryDelayMs: options.retryDelayMs ?? 1_000, onError },
    );
    loop.start();
    return new WorkQueueConsumer(loop);
  }

  /** Takes no more jobs; a job still running after `graceMs` is handed back for another worker at once. */
  stop(graceMs = 0): Promise<void> {
    return this.loop.stop(graceMs);
  }
}
