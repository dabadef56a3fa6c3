import type { Consumer, ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import { isConsumerGone } from './durable.js';
import { CodecError } from './errors.js';
import { isTransient, sleep } from './retry.js';
import type { ErrorListener } from './types.js';

export interface PullLoopOptions {
  /** Messages handled at once; each slot holds at most one, so nothing waits in a buffer while its ackWait runs. */
  readonly concurrency: number;
  /** The consumer's ackWait: a message in progress is reported alive three times per period. */
  readonly ackWaitMs: number;
  /** Delay before a message whose handler threw is delivered again. */
  readonly retryDelayMs: number;
  readonly onError: ErrorListener;
  /**
   * The consumer was deleted (its search ended): the loop pulls no more and calls this once, instead of reporting
   * an error on every pull; the owner decides what follows. Without it, reported like any error.
   */
  readonly onConsumerGone?: () => void;
}

/** How long one pull request waits at the server for a message before the next is sent. */
const FETCH_EXPIRES_MS = 5_000;

/**
 * Pulls from a durable consumer, one message per slot, and runs `handle` on it with heartbeats (`working()`);
 * acks when `handle` resolves, naks (with a delay) when it throws, terminates it on a CodecError. Stopping naks
 * what is held so the server redelivers it at once instead of after ackWait.
 */
export class PullLoop {
  private stopping = false;
  private readonly fetching = new Set<ConsumerMessages>();
  private readonly running = new Map<JsMsg, AbortController>();
  private readonly stopped = new AbortController();
  private gone = false;
  private slots: Promise<void>[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly consumer: Consumer,
    private readonly handle: (msg: JsMsg, signal: AbortSignal) => Promise<void>,
    private readonly options: PullLoopOptions,
  ) {}

  start(): void {
    this.slots = Array.from({ length: this.options.concurrency }, () => this.slot());
  }

  /**
   * Stops pulling, gives running handlers `graceMs` to finish (and be acked), then naks the rest and aborts their
   * signals: their outcome is ignored, another consumer gets the message.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    for (const batch of this.fetching) batch.stop();
    const grace = new AbortController();
    await Promise.race([Promise.all(this.slots), sleep(graceMs, grace.signal)]);
    grace.abort();
    for (const [msg, abort] of this.running) {
      abort.abort();
      this.send(() => msg.nak());
    }
    this.running.clear();
  }

  /** Heartbeats, naks and terms are publishes, which throw once the connection is closed; the server redelivers. */
  private send(action: () => void): void {
    if (!this.nc.isClosed()) action();
  }

  private async slot(): Promise<void> {
    while (!this.stopping && !this.nc.isClosed()) {
      let msg: JsMsg | undefined;
      try {
        msg = await this.take();
      } catch (err) {
        if (this.options.onConsumerGone && isConsumerGone(err)) return this.consumerGone();
        if (!isTransient(err) && !this.stopping) this.options.onError(err as Error);
        await sleep(this.options.retryDelayMs, this.stopped.signal);
        continue;
      }
      if (msg && this.stopping) this.send(() => msg.nak());
      else if (msg) await this.process(msg);
    }
  }

  private consumerGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.options.onConsumerGone!();
  }

  private async take(): Promise<JsMsg | undefined> {
    const batch = await this.consumer.fetch({ max_messages: 1, expires: FETCH_EXPIRES_MS });
    this.fetching.add(batch);
    if (this.stopping) batch.stop();
    try {
      for await (const msg of batch) return msg;
      return undefined;
    } finally {
      this.fetching.delete(batch);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const abort = new AbortController();
    this.running.set(msg, abort);
    const heartbeat = setInterval(() => this.send(() => msg.working()), Math.max(100, this.options.ackWaitMs / 3));
    try {
      await this.handle(msg, abort.signal);
    } catch (err) {
      if (!abort.signal.aborted) {
        this.options.onError(err as Error);
        // A payload that cannot be decoded never will be: drop it (reported) rather than loop on it.
        this.send(() => (err instanceof CodecError ? msg.term() : msg.nak(this.options.retryDelayMs)));
      }
      return;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(msg);
    }
    if (abort.signal.aborted) return;
    try {
      await msg.ackAck();
    } catch (err) {
      // Unacked, the message comes back after ackWait; what the handler published again is de-duplicated.
      if (!isTransient(err)) this.options.onError(err as Error);
    }
  }
}
