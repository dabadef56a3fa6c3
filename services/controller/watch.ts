import type { handleServerStreamingCall } from '@grpc/grpc-js';
import { assertSearchId } from '../../src/store/keys.js';
import { serverStreaming, writeMessage } from '../common/grpc/server-streaming.js';
import type { SearchEvents } from '../common/nats/events.js';
import type { WatchSearchRequest } from '../gen/nasmesh/v1/controller.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import { publishMissingEndWhileWatching } from './end-event.js';
import type { Searches } from './searches.js';

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
  return serverStreaming(async (call, { signal }) => {
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
  });
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
