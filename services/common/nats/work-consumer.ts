import type { Consumer, JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { NasmeshError } from '../../../src/util/errors.js';
import { jsonCodec } from './codec.js';
import { DEFAULT_ACK_WAIT_MS, deleteDurable, ensureDurable } from './durable.js';
import { deliveryContext } from './delivery.js';
import { keyHeaders } from './job-key.js';
import { publishOnce } from './publish.js';
import { PullLoop } from './pull-loop.js';
import { ensureStream, RESULTS_STREAM_CONFIG, WORK_STREAM_CONFIG } from './streams.js';
import { jobMsgId, resultSubject, searchOfWorkSubject, WORK_STREAM, workConsumerName, workFilter, workSubject } from './subjects.js';
import type { Codec, ErrorListener, JobHandler } from './types.js';

export interface WorkQueueConsumerOptions<J, R> {
  readonly kind: string;
  /**
   * Take the jobs of this search only, from a consumer of its own (`workers-<kind>-<searchId>`) instead of the
   * kind's shared one. A work-queue stream refuses consumers whose subjects overlap, so the workers of a kind on one
   * NATS are either all per-search or all shared (WorkQueueConflictError).
   */
  readonly searchId?: string;
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
  /** The consumer was deleted (its search ended): see PullLoopOptions.onConsumerGone. */
  readonly onConsumerGone?: () => void;
}

/** JetStream's error for a consumer whose filter overlaps another's on a work-queue stream. */
const FILTER_NOT_UNIQUE = 10100;

/** A worker that cannot take its jobs because workers of the other kind (per-search or shared) run on this NATS. */
export class WorkQueueConflictError extends NasmeshError {}

/**
 * A worker on the work queue: all workers of a kind (of a search, with `searchId`) pull from one durable consumer, so
 * each job goes to one of them. For each job it runs the handler, publishes the result to `nasmesh.result.<searchId>` under the job's
 * message id (a job redelivered after its worker died yields a result JetStream drops as a duplicate) and only
 * then acks the job.
 */
export class WorkQueueConsumer {
  private constructor(
    private readonly loop: PullLoop,
    private readonly jsm: JetStreamManager,
    readonly name: string,
  ) {}

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
    const name = workConsumerName(options.kind, options.searchId);
    const consumer = await openConsumer(js, jsm, name, options.kind, options.searchId, ackWaitMs);
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
      {
        concurrency: options.concurrency ?? 1,
        ackWaitMs,
        retryDelayMs: options.retryDelayMs ?? 1_000,
        onError,
        ...(options.onConsumerGone ? { onConsumerGone: options.onConsumerGone } : {}),
      },
    );
    loop.start();
    return new WorkQueueConsumer(loop, jsm, name);
  }

  /** Takes no more jobs; a job still running after `graceMs` is handed back for another worker at once. */
  stop(graceMs = 0): Promise<void> {
    return this.loop.stop(graceMs);
  }

  /** Stops and deletes the durable consumer (a per-search one whose search ended); gone already is fine. */
  async delete(): Promise<void> {
    await this.stop();
    await deleteDurable(this.jsm, WORK_STREAM, this.name);
  }
}

/** The kind's shared consumer, or the search's own; a clear error when the other sort holds the subjects. */
async function openConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  name: string,
  kind: string,
  searchId: string | undefined,
  ackWaitMs: number,
): Promise<Consumer> {
  const filterSubject = searchId === undefined ? workFilter(kind) : workSubject(kind, searchId);
  try {
    return await ensureDurable(js, jsm, { stream: WORK_STREAM, name, filterSubject, ackWaitMs });
  } catch (err) {
    if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== FILTER_NOT_UNIQUE) throw err;
    throw await conflict(jsm, kind, searchId);
  }
}

/**
 * Why a consumer of `kind` (`searchId`'s own, or the shared one) cannot be created: consumers of the other sort take
 * the same jobs. Names them, and what to do.
 */
async function conflict(jsm: JetStreamManager, kind: string, searchId: string | undefined): Promise<WorkQueueConflictError> {
  const others: string[] = [];
  for await (const c of jsm.consumers.list(WORK_STREAM)) {
    const filter = c.config.filter_subject ?? '';
    const sameKind = filter.startsWith(`nasmesh.work.${kind}.`);
    const perSearch = searchOfWorkSubject(filter) !== undefined;
    if (sameKind && (searchId === undefined ? perSearch : !perSearch)) others.push(c.name);
  }
  const names = others.join(', ') || '(none listed: they were just deleted; try again)';
  const mixed =
    'per-search workers (--search) and shared ones cannot be mixed on one NATS: a JetStream work-queue stream refuses consumers whose subjects overlap';
  if (searchId !== undefined) {
    return new WorkQueueConflictError(
      `cannot take the ${kind} jobs of search ${searchId}: shared consumers take those of every search (${names}); ${mixed}. Once no shared worker runs any more, delete them (nats consumer rm ${WORK_STREAM} <name>)`,
    );
  }
  return new WorkQueueConflictError(
    `cannot take the ${kind} jobs of every search: per-search consumers take some of them (${names}); ${mixed}. Start workers with --search <id>, or delete those consumers once their workers are gone`,
  );
}
