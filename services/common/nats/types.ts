/** Turns payloads into message bytes and back; JSON by default, generated protobuf types later. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  /** Throws CodecError when the bytes are not a T. */
  decode(data: Uint8Array): T;
}

export const SEARCH_EVENT_KINDS = ['created', 'proposed', 'evaluated', 'policy', 'supernet', 'finished', 'failed'] as const;
export type SearchEventKind = (typeof SEARCH_EVENT_KINDS)[number];

/** One event of a search as read back from the events stream. */
export interface ReceivedEvent<E> {
  readonly searchId: string;
  readonly kind: SearchEventKind;
  readonly event: E;
  /** Position in the events stream: increases with every event, of any search. */
  readonly seq: number;
  readonly time: Date;
  /** Events of this search stored after this one: 0 once the replay has caught up with the live stream. */
  readonly pending: number;
}

/** Which search and candidate a job evaluates: names the job's and its result's de-duplication id. */
export interface JobKey {
  readonly searchId: string;
  readonly index: number;
}

/** What a JetStream publish reports. */
export interface PublishResult {
  readonly seq: number;
  /** The stream had seen the message id within its duplicate window and dropped this copy. */
  readonly duplicate: boolean;
}

/** Given to a handler with each job or result it is handed. */
export interface DeliveryContext {
  /** The job's search and candidate, from the message headers. */
  readonly key: JobKey;
  /** 1 on first delivery; more when an earlier holder died, timed out or handed it back. */
  readonly deliveryCount: number;
  /** When the message was stored in its stream (queue wait = now - publishedAt). */
  readonly publishedAt: Date;
  /** Aborted when the consumer stops and hands the message back: the handler's outcome is then ignored. */
  readonly signal: AbortSignal;
}

export type JobHandler<J, R> = (job: J, context: DeliveryContext) => Promise<R>;
export type ResultHandler<R> = (result: R, context: DeliveryContext) => Promise<void>;

/** Where a consumer reports what it cannot throw to anyone: a failed handler, an undecodable message. */
export type ErrorListener = (error: Error) => void;
