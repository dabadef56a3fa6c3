import type { JetStreamClient, MsgHdrs } from 'nats';
import { PublishError } from './errors.js';
import { REQUEST_TIMEOUT_MS, retryTransient } from './retry.js';
import type { PublishResult } from './types.js';

/**
 * Publishes with a Nats-Msg-Id and retries through disconnects: a retry of a publish whose reply was lost is
 * reported as a duplicate instead of being stored twice.
 */
export async function publishOnce(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgId: string,
  headers?: MsgHdrs,
): Promise<PublishResult> {
  try {
    const ack = await retryTransient(() =>
      js.publish(subject, data, { msgID: msgId, timeout: REQUEST_TIMEOUT_MS, ...(headers && { headers }) }),
    );
    return { seq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    throw new PublishError(subject, msgId, err);
  }
}
