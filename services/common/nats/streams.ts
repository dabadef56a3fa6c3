import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig } from 'nats';
import { EVENTS_STREAM, RESULTS_STREAM, WORK_STREAM } from './subjects.js';

/**
 * How long a stream remembers message ids. A job or result sent again within it is dropped by the server; one
 * sent later (a controller down for longer) is caught by the store's idempotent putCandidate instead.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * How long a result waits for its controller. Far longer than the duplicate window, so a controller that comes back
 * after it, and finds its results gone, re-submits their jobs under ids the stream no longer remembers: they are
 * evaluated again, nothing is lost. What it bounds is a result published after its search ended and was purged
 * (an evaluator that missed the end), which no consumer would ever take.
 */
export const RESULTS_MAX_AGE_MS = 24 * 3600_000;

/** Events are kept a month for replay (`nasmesh watch`, the operator), then expire. */
export const EVENTS_MAX_AGE_MS = 30 * 24 * 3600_000;

type StreamDefinition = Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects'>;

const common = {
  storage: StorageType.File,
  num_replicas: 1,
  discard: DiscardPolicy.Old,
  duplicate_window: nanos(DUPLICATE_WINDOW_MS),
} as const;

export const EVENTS_STREAM_CONFIG: StreamDefinition = {
  ...common,
  name: EVENTS_STREAM,
  subjects: ['nasmesh.search.>'],
  retention: RetentionPolicy.Limits,
  max_age: nanos(EVENTS_MAX_AGE_MS),
};

/**
 * A job is removed when a worker acks it; unacked jobs stay, however long no worker runs. Subjects are
 * `nasmesh.work.<kind>.<searchId>`: a search's queued jobs can be purged by subject.
 */
export const WORK_STREAM_CONFIG: StreamDefinition = {
  ...common,
  name: WORK_STREAM,
  subjects: ['nasmesh.work.>'],
  retention: RetentionPolicy.Workqueue,
};

/** One subject per search, each taken by its controller's own durable: results wait for a controller restart. */
export const RESULTS_STREAM_CONFIG: StreamDefinition = {
  ...common,
  name: RESULTS_STREAM,
  subjects: ['nasmesh.result.>'],
  retention: RetentionPolicy.Workqueue,
  max_age: nanos(RESULTS_MAX_AGE_MS),
};

/** JetStream's error for "a stream with this name exists with another configuration". */
const STREAM_NAME_IN_USE = 10058;

/** Creates the stream, or brings an existing one to this configuration; safe to call from every process. */
export async function ensureStream(jsm: JetStreamManager, config: StreamDefinition): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== STREAM_NAME_IN_USE) throw err;
    await jsm.streams.update(config.name, config);
  }
}
