import type { JetStreamManager, NatsConnection } from 'nats';
import { jsonCodec } from './codec.js';
import { deliveryContext } from './delivery.js';
import { DEFAULT_ACK_WAIT_MS, ensureDurable } from './durable.js';
import { PullLoop } from './pull-loop.js';
import { ensureStream, RESULTS_STREAM_CONFIG } from './streams.js';
import { RESULTS_STREAM, resultsConsumerName, resultSubject } from './subjects.js';
import type { Codec, ErrorListener, ResultHandler } from './types.js';

export interface ResultsConsumerOptions<R> {
  readonly codec?: Codec<R>;
  /** How long the handler may take to store a result before it is delivered again (default 30 s). */
  readonly ackWaitMs?: number;
  readonly retryDelayMs?: number;
  /**
   * Results held at once (default 1), each until the handler resolves. More than one keeps a pull request waiting
   * at the server while a result is being stored, so the next result is delivered the moment it is published
   * instead of after that result's ack and a new pull (a round trip or two on every candidate of a serial search).
   */
  readonly concurrency?: number;
  readonly onError?: ErrorListener;
}

/**
 * The controller's side of a search's results: a durable consumer per search, so results published while the
 * controller is down wait for it. Each result is acked only after the handler (which stores it) resolves; a handler
 * that throws gets the same result again. With `concurrency` n, up to n results are handed over at once.
 */
export class ResultsConsumer {
  private constructor(
    private readonly loop: PullLoop,
    private readonly jsm: JetStreamManager,
    private readonly searchId: string,
  ) {}

  static async start<R>(
    nc: NatsConnection,
    searchId: string,
    handler: ResultHandler<R>,
    options: ResultsConsumerOptions<R> = {},
  ): Promise<ResultsConsumer> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, RESULTS_STREAM_CONFIG);
    const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const consumer = await ensureDurable(nc.jetstream(), jsm, {
      stream: RESULTS_STREAM,
      name: resultsConsumerName(searchId),
      filterSubject: resultSubject(searchId),
      ackWaitMs,
    });
    const codec = options.codec ?? jsonCodec<R>();
    const onError = options.onError ?? ((err) => console.error(`results of ${searchId}:`, err));
    const loop = new PullLoop(nc, consumer, async (msg, signal) => handler(codec.decode(msg.data), deliveryContext(msg, signal)), {
      concurrency: options.concurrency ?? 1,
      ackWaitMs,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      onError,
    });
    loop.start();
    return new ResultsConsumer(loop, jsm, searchId);
  }

  stop(graceMs = 0): Promise<void> {
    return this.loop.stop(graceMs);
  }

  /** Once the search is over: stops, deletes its durable and purges any results still queued for it. */
  async destroy(): Promise<void> {
    await this.stop();
    await this.jsm.consumers.delete(RESULTS_STREAM, resultsConsumerName(this.searchId));
    await this.jsm.streams.purge(RESULTS_STREAM, { filter: resultSubject(this.searchId) });
  }
}
