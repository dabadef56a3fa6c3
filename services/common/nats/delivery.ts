import type { JsMsg } from 'nats';
import { readKey } from './job-key.js';
import type { DeliveryContext } from './types.js';

/** When the stream stored the message. */
export function storedAt(msg: JsMsg): Date {
  return new Date(Math.floor(msg.info.timestampNanos / 1e6));
}

export function deliveryContext(msg: JsMsg, signal: AbortSignal): DeliveryContext {
  return { key: readKey(msg), deliveryCount: msg.info.deliveryCount, publishedAt: storedAt(msg), signal };
}
