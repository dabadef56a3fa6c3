import { hasEnded } from '../../src/store/types.js';
import { candidateMessage } from '../common/messages/candidate.js';
import type { SearchEvents } from '../common/nats/events.js';
import { SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import type { Searches } from './searches.js';

/** How often a watcher looks for an end that will not be published. */
const CHECK_INTERVAL_MS = 2_000;

/**
 * Publishes the end event of a search that ended without one: its controller died after storing the final phase
 * and before publishing `finished` or `failed`, the publish failed past its retries, or CancelSearch ended a search
 * no controller was running. Built from the stored search and sent under the message id its run would have used,
 * so that a copy racing the run's own is dropped by the stream. Does nothing while this controller runs the search
 * (its run publishes the end) or while the search has not ended. Returns whether it published.
 */
export async function publishMissingEnd(searches: Searches, events: SearchEvents<SearchEvent>, id: string): Promise<boolean> {
  if (searches.isRunning(id)) return false;
  const search = await searches.require(id);
  if (!hasEnded(search.phase)) return false;
  if ((await events.has(id, 'finished')) || (await events.has(id, 'failed'))) return false;
  let event: NonNullable<SearchEvent['event']>;
  if (search.phase === 'failed') {
    event = { $case: 'failed', value: { message: search.message ?? '' } };
  } else {
    const { done, best } = await searches.progress(id);
    event = {
      $case: 'finished',
      value: {
        phase: search.phase === 'succeeded' ? SearchPhase.SUCCEEDED : SearchPhase.CANCELLED,
        candidates: done,
        ...(best ? { best: candidateMessage(search.spec.spec.space, best) } : {}),
        durationSeconds: (Date.parse(search.updatedAt) - Date.parse(search.createdAt)) / 1000,
      },
    };
  }
  await events.publish(id, event.$case, { searchId: id, time: new Date(), event }, 'end');
  return true;
}

/**
 * For a watcher of `id`: checks now and every few seconds, until stopped, whether the search ended without an end
 * event, and publishes it then; the watcher's replay delivers it after every event stored before it.
 */
export function publishMissingEndWhileWatching(searches: Searches, events: SearchEvents<SearchEvent>, id: string): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      if (await publishMissingEnd(searches, events, id)) return;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`WatchSearch ${id}: looking for its end event failed (tried again): ${message}`);
    }
    if (!stopped) timer = setTimeout(() => void check(), CHECK_INTERVAL_MS);
  };
  void check();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
