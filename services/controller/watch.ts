import type { handleServerStreamingCall, ServerWritableStream } from '@grpc/grpc-js';
import { ConcurrencyLimit } from '../common/grpc/concurrency-limit.js';
import type { CallContext } from '../common/grpc/context.js';
import { assertSearchId } from '../../src/store/keys.js';
import { serverStreaming, writeMessage } from '../common/grpc/server-streaming.js';
import type { SearchEvents } from '../common/nats/events.js';
import type { WatchSearchRequest } from '../gen/nasmesh/v1/controller.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import { publishMissingEndWhileWatching } from './end-event.js';
import type { Searches } from './searches.js';

/** Watches open at once: each holds an ordered consumer of the events stream. */
export const MAX_WATCHES = 1000;

/**
 * WatchSearch: the search's events replayed from the events stream, then live, until SearchFinished or SearchFailed
 * (published by the watch itself for a search that ended without one, so that no watch of an ended search hangs).
 * A restarted controller publishes the events of the step it resumes again; the stream drops repeats within its
 * duplicate window, and this drops those that come later, so a watcher sees each candidate once.
 */
export function watchSearch(
  searches: Searches,
  events: SearchEvents<SearchEvent>,
): handleServerStreamingCall<WatchSearchRequest, SearchEvent> {
  const limit = new ConcurrencyLimit(MAX_WATCHES, 'WatchSearch streams');
  return serverStreaming((call, ctx) => limit.run(() => watch(searches, events, call, ctx)));
}

async function watch(
  searches: Searches,
  events: SearchEvents<SearchEvent>,
  call: ServerWritableStream<WatchSearchRequest, SearchEvent>,
  { signal }: CallContext,
): Promise<void> {
  assertSearchId(call.request.searchId, 'searchId');
  await searches.require(call.request.searchId);
  const seen = new Set<string>();
  // A search can end without its end event (its controller died in between): that event is published here then.
  const stopChecking = publishMissingEndWhileWatching(searches, events, call.request.searchId);
  try {
    for await (const { event } of events.replay(call.request.searchId, { signal })) {
      const key = eventKey(event);
      if (seen.has(key)) continue;
      seen.add(key);
      await writeMessage(call, event, signal);
      if (event.event?.$case === 'finished' || event.event?.$case === 'failed') break;
    }
  } finally {
    stopChecking();
  }
}

/** What makes an event the same as another: its kind and its key within the kind. */
function eventKey({ event }: SearchEvent): string {
  switch (event?.$case) {
    case 'candidateProposed':
      return `proposed.${event.value.index}`;
    case 'candidateEvaluated':
      return `evaluated.${event.value.candidate?.index}`;
    case 'policyUpdated':
      return `policy.${event.value.version}`;
    case 'supernetCheckpoint':
      return `supernet.${event.value.epoch}`;
    default:
      return event?.$case ?? 'unknown';
  }
}
