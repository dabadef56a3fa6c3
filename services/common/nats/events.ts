import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { assertSearchId } from '../../../src/store/keys.js';
import { jsonCodec } from './codec.js';
import { CodecError } from './errors.js';
import { storedAt } from './delivery.js';
import { publishOnce } from './publish.js';
import { retryTransient } from './retry.js';
import { ensureStream, EVENTS_STREAM_CONFIG } from './streams.js';
import { EVENTS_STREAM, eventSubject, searchEventsFilter } from './subjects.js';
import {
  SEARCH_EVENT_KINDS,
  type Codec,
  type ErrorListener,
  type PublishResult,
  type ReceivedEvent,
  type SearchEventKind,
} from './types.js';

/** JetStream's error for a message get that matches nothing. */
const NO_MESSAGE_FOUND = 10037;

export interface ReplayOptions {
  /** Ends the replay (the iterator returns) when aborted. */
  readonly signal?: AbortSignal;
  /** Told about events that are skipped because they cannot be decoded. */
  readonly onError?: ErrorListener;
}

/** A search's events on `nasmesh.search.<id>.<kind>` in the `NASMESH_EVENTS` stream: published, replayed, followed. */
export class SearchEvents<E> {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly codec: Codec<E>,
  ) {}

  static async open<E>(nc: NatsConnection, codec: Codec<E> = jsonCodec<E>()): Promise<SearchEvents<E>> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, EVENTS_STREAM_CONFIG);
    return new SearchEvents(nc.jetstream(), jsm, codec);
  }

  /** Whether the stream holds an event of this kind for the search (one the stream has not expired yet). */
  async has(searchId: string, kind: SearchEventKind): Promise<boolean> {
    const last_by_subj = eventSubject(searchId, kind);
    return retryTransient(async () => {
      try {
        await this.jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj });
        return true;
      } catch (err) {
        if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === NO_MESSAGE_FOUND) return false;
        throw err;
      }
    });
  }

  /**
   * Publishes under the message id `<searchId>.<kind>.<key>`, where `key` tells this event from others of its kind
   * in the search (the candidate index, the policy step): the same event published again within the duplicate
   * window, by a retry or a restarted controller, is dropped.
   */
  publish(searchId: string, kind: SearchEventKind, event: E, key: string): Promise<PublishResult> {
    return publishOnce(this.js, eventSubject(searchId, kind), this.codec.encode(event), `${searchId}.${kind}.${key}`);
  }

  /**
   * Every event of the search from the first, in order, then each new one as it is published; `pending` is 0 once
   * caught up. An ordered consumer: it follows through nats-server restarts without gaps or repeats.
   */
  async *replay(searchId: string, options: ReplayOptions = {}): AsyncGenerator<ReceivedEvent<E>> {
    assertSearchId(searchId);
    const onError = options.onError ?? ((err) => console.error(`events of ${searchId}:`, err));
    // Ordered consumers start at the stream's first message unless told otherwise.
    const consumer = await this.js.consumers.get(EVENTS_STREAM, { filterSubjects: searchEventsFilter(searchId) });
    const messages = await consumer.consume();
    const stop = () => messages.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();
    try {
      for await (const msg of messages) {
        const kind = msg.subject.slice(msg.subject.lastIndexOf('.') + 1) as SearchEventKind;
        let event: E;
        try {
          if (!SEARCH_EVENT_KINDS.includes(kind)) throw new CodecError(`unknown event kind on ${msg.subject}`);
          event = this.codec.decode(msg.data);
        } catch (err) {
          onError(err as Error);
          continue;
        }
        yield { searchId, kind, event, seq: msg.seq, time: storedAt(msg), pending: msg.info.pending };
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      stop();
    }
  }
}
