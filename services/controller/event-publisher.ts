import type { SearchEvents } from '../common/nats/events.js';
import type { SearchEventKind } from '../common/nats/types.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';

type Payload = NonNullable<SearchEvent['event']>;

/** Which token each event goes out under (events.proto). */
const KIND: Record<Payload['$case'], SearchEventKind> = {
  created: 'created',
  candidateProposed: 'proposed',
  candidateEvaluated: 'evaluated',
  policyUpdated: 'policy',
  supernetCheckpoint: 'supernet',
  finished: 'finished',
  failed: 'failed',
};

/**
 * Publishes one search's events in the order they happen without making the search wait for each publish: they
 * are chained, so the stream holds them in order, and each retries through a nats-server restart. `key` tells an
 * event from others of its kind (candidate index, policy version): the same event sent again by a restarted
 * controller is dropped by the stream's de-duplication.
 */
export class EventPublisher {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: SearchEvents<SearchEvent>,
    private readonly searchId: string,
    private readonly onError: (error: Error) => void,
  ) {}

  publish(event: Payload, key: string | number): void {
    const message: SearchEvent = { searchId: this.searchId, time: new Date(), event };
    this.tail = this.tail
      .then(() => this.events.publish(this.searchId, KIND[event.$case], message, String(key)))
      .then(
        () => undefined,
        (e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))),
      );
  }

  /** Resolves once everything published so far is stored (or reported failed). */
  settled(): Promise<void> {
    return this.tail;
  }
}
