import type { NatsConnection, Subscription } from 'nats';
import { eventKindFilter } from './subjects.js';

/** Ended searches remembered; the oldest are forgotten beyond this (their queued jobs were purged anyway). */
const REMEMBERED = 10_000;

/**
 * The searches that ended while this process listened, from their `finished` and `failed` events (a plain NATS
 * subscription: the events stream's copies are not read, only what is published from now on). Workers use it to
 * drop the jobs of a search that was cancelled or failed, and to stop evaluating one in progress. A search
 * created again under the same id (its `created` event) counts as running again.
 */
export class EndedSearches {
  private readonly ended = new Set<string>();
  private readonly waiting = new Map<string, Set<AbortController>>();
  private readonly subscriptions: Subscription[];

  constructor(nc: NatsConnection) {
    const listen = (kind: 'finished' | 'failed' | 'created', on: (id: string) => void) =>
      nc.subscribe(eventKindFilter(kind), {
        callback: (err, msg) => {
          if (!err) on(msg.subject.split('.')[2]!);
        },
      });
    this.subscriptions = [
      listen('finished', (id) => this.end(id)),
      listen('failed', (id) => this.end(id)),
      listen('created', (id) => this.ended.delete(id)),
    ];
  }

  has(searchId: string): boolean {
    return this.ended.has(searchId);
  }

  /** A signal aborted once the search ends (already aborted if it has); release it when done with it. */
  watch(searchId: string): { signal: AbortSignal; release: () => void } {
    const abort = new AbortController();
    if (this.ended.has(searchId)) abort.abort();
    const waiting = this.waiting.get(searchId) ?? new Set();
    this.waiting.set(searchId, waiting.add(abort));
    const release = () => {
      waiting.delete(abort);
      if (waiting.size === 0 && this.waiting.get(searchId) === waiting) this.waiting.delete(searchId);
    };
    return { signal: abort.signal, release };
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private end(searchId: string): void {
    this.ended.add(searchId);
    if (this.ended.size > REMEMBERED) this.ended.delete(this.ended.values().next().value!);
    for (const abort of this.waiting.get(searchId) ?? []) abort.abort();
  }
}
