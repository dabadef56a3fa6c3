import { AckPolicy, DeliverPolicy, nanos, NatsError, type Consumer, type JetStreamClient, type JetStreamManager } from 'nats';

export interface DurableOptions {
  readonly stream: string;
  readonly name: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
}

/** A held message with no heartbeat for this long goes to another consumer. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/** JetStream's error for "a consumer with this name exists with another configuration". */
const CONSUMER_EXISTS = 10148;

/** JetStream's error for "no such consumer". */
const CONSUMER_NOT_FOUND = 10014;

/**
 * Whether a pull failed because its durable consumer was deleted: a pull waiting at the server ends with status 409
 * "consumer deleted", later ones with "consumer not found".
 */
export function isConsumerGone(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  return (err.code === '409' && /consumer deleted/i.test(err.message)) || err.api_error?.err_code === CONSUMER_NOT_FOUND;
}

/** Deletes a durable consumer; one that does not exist (deleted by another process already) is fine. */
export async function deleteDurable(jsm: JetStreamManager, stream: string, name: string): Promise<void> {
  try {
    await jsm.consumers.delete(stream, name);
  } catch (err) {
    if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_NOT_FOUND) throw err;
  }
}

/**
 * Creates the durable pull consumer, or updates an existing one to this ackWait: every process of a kind calls
 * this at start, and they all end up bound to the same consumer.
 */
export async function ensureDurable(js: JetStreamClient, jsm: JetStreamManager, o: DurableOptions): Promise<Consumer> {
  const config = {
    durable_name: o.name,
    filter_subject: o.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(o.ackWaitMs),
    max_deliver: -1,
  };
  try {
    await jsm.consumers.add(o.stream, config);
  } catch (err) {
    if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_EXISTS) throw err;
    await jsm.consumers.update(o.stream, o.name, config);
  }
  return js.consumers.get(o.stream, o.name);
}
