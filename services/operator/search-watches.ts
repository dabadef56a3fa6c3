import { setTimeout as sleep } from 'node:timers/promises';
import type { Controller } from '../common/grpc/controller-client.js';

/** Events within this long of each other reconcile the search once. */
const DEBOUNCE_MS = 500;

/**
 * Follows the events of the searches the operator runs (Controller.WatchSearch, one stream per search) and asks for
 * the NASSearch's reconcile when something happened, so its status follows the search within a second instead of
 * the periodic resync. A stream that breaks (controller restart) is opened again while the search is followed.
 */
export class SearchWatches {
  private readonly watching = new Map<string, AbortController>();

  constructor(
    private readonly controller: Controller,
    private readonly changed: (key: string) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Follows search `id` for the NASSearch `key`, unless it is followed already. */
  follow(id: string, key: string): void {
    if (this.watching.has(id)) return;
    const abort = new AbortController();
    this.watching.set(id, abort);
    void this.run(id, key, abort.signal);
  }

  forget(id: string): void {
    this.watching.get(id)?.abort();
    this.watching.delete(id);
  }

  stop(): void {
    for (const id of [...this.watching.keys()]) this.forget(id);
  }

  private async run(id: string, key: string, signal: AbortSignal): Promise<void> {
    let pending: NodeJS.Timeout | undefined;
    const notify = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        this.changed(key);
      }, DEBOUNCE_MS);
    };
    while (!signal.aborted) {
      try {
        for await (const _ of this.controller.watch(id, signal)) notify();
        // The stream ends after the search's last event: nothing more will come.
        this.changed(key);
        this.watching.delete(id);
        return;
      } catch (e) {
        if (signal.aborted) return;
        this.log(`search ${id}: its event stream broke (${(e as Error).message}); following it again`);
        await sleep(2_000, undefined, { signal }).catch(() => {});
      }
    }
    clearTimeout(pending);
  }
}
