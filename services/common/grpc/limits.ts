import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * gRPC limits, set deliberately on both ends instead of grpc-js's defaults (4 MB received, unlimited sent, no bound
 * on streams per connection). docs/security.md lists them.
 */

/**
 * Largest message a server takes: every request is small (a search document is at most a few KiB, an evaluation job
 * or an architecture less), so 4 MiB leaves room and refuses nothing real.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 ** 2;

/**
 * Largest message a server sends and a client takes. The biggest answer is GetPolicySnapshot's checkpoint_json (the
 * policy with Adam's moments and the history): measured at 0.7-0.9 MB for the default 64 LSTM units and 11-14 MB for
 * the spec's most, 256 (it grows with the square of the units), so 64 MiB leaves room for the history of a long
 * search; the controller refuses a snapshot over it with RESOURCE_EXHAUSTED naming the search.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 ** 2;

/** Concurrent calls on one connection (HTTP/2 streams); a client needing more opens another connection. */
export const MAX_CONCURRENT_STREAMS = 128;

/** Deadline a server gives a unary call whose client set none, so no call runs unbounded. */
export const DEFAULT_SERVER_DEADLINE_MS = 5 * 60_000;

/** Keepalive: a peer that vanished without closing its connection (a lost pod) is noticed within a minute. */
const KEEPALIVE = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
} as const;

export const SERVER_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
  'grpc.max_send_message_length': MAX_RESPONSE_BYTES,
  'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
  // Clients may ping as often as their own keepalive does; more often is refused (GOAWAY), not served.
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  ...KEEPALIVE,
};

export const CLIENT_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_RESPONSE_BYTES,
  'grpc.max_send_message_length': MAX_REQUEST_BYTES,
  ...KEEPALIVE,
};
