/** Time as the reconcile queue sees it; tests pass a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a reconcile asks of the queue: nothing more, or to look again after a while (a search in progress). */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

export interface ReconcileQueueOptions {
  readonly clock?: Clock;
  /** Keys reconciled at once (each key is only ever reconciled by one at a time). */
  readonly concurrency?: number;
  /** First retry after a failed reconcile; doubles with each failure of the key, up to maxDelayMs. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly onError?: (key: string, e: unknown, retryInMs: number) => void;
  /** After each reconcile: its key, outcome and duration, for metrics. */
  readonly onDone?: (key: string, outcome: 'success' | 'error', seconds: number) => void;
}

/**
 * client-go's rate-limited work queue, small (the reconcile queue): keys (`namespace/name`) wait in order, each is reconciled by one worker
 * at a time (an add while it runs marks it to run once more after), a failing key is retried with per-key
 * exponential backoff (reset by a success), and a reconcile can ask to run again after a delay.
 */
export class ReconcileQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; handle: unknown }>();
  private readonly clock: Clock;
  private workers = 0;
  private stopped = false;

  constructor(
    private readonly reconcile: (key: string) => Promise<ReconcileResult | void>,
    private readonly o: ReconcileQueueOptions = {},
  ) {
    this.clock = o.clock ?? systemClock;
  }

  /** Keys waiting or running: for the queue-depth metric. */
  get depth(): number {
    return this.queued.size + this.active.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (!this.queued.has(key)) {
      this.queued.add(key);
      this.queue.push(key);
    }
    this.pump();
  }

  /** Adds the key after `ms`; an earlier pending delay of the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = this.clock.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, handle });
  }

  /** Takes no more keys; resolves once the running reconciles are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
    while (this.active.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    const concurrency = this.o.concurrency ?? 4;
    while (this.workers < concurrency && this.queue.length > 0 && !this.stopped) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.workers++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    const started = this.clock.now();
    try {
      const result = await this.reconcile(key);
      this.failures.delete(key);
      this.o.onDone?.(key, 'success', (this.clock.now() - started) / 1000);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (e) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delay = Math.min((this.o.baseDelayMs ?? 200) * 2 ** (failures - 1), this.o.maxDelayMs ?? 60_000);
      this.o.onDone?.(key, 'error', (this.clock.now() - started) / 1000);
      this.o.onError?.(key, e, delay);
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.workers--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
