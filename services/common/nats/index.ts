export { jsonCodec } from './codec.js';
export { closeNats, connectNats, type ConnectOptions } from './connection.js';
export { DEFAULT_ACK_WAIT_MS } from './durable.js';
export { CodecError, PublishError } from './errors.js';
export { SearchEvents, type ReplayOptions } from './events.js';
export { NatsSearchStore } from './nats-search-store.js';
export { ResultsConsumer, type ResultsConsumerOptions } from './results-consumer.js';
export { DUPLICATE_WINDOW_MS, EVENTS_MAX_AGE_MS } from './streams.js';
export { BLOB_BUCKET, EVENTS_STREAM, jobMsgId, RESULTS_STREAM, SEARCH_BUCKET, WORK_STREAM, workConsumerName } from './subjects.js';
export {
  SEARCH_EVENT_KINDS,
  type Codec,
  type DeliveryContext,
  type ErrorListener,
  type JobHandler,
  type JobKey,
  type PublishResult,
  type ReceivedEvent,
  type ResultHandler,
  type SearchEventKind,
} from './types.js';
export { WorkQueueConsumer, type WorkQueueConsumerOptions } from './work-consumer.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
