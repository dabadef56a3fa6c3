import type { CandidateRecord } from '../search/types.js';
import type { SearchStore, StoredCheckpoint, StoredSearch } from './types.js';

interface Pending {
  /** The newest checkpoint, written or not. */
  latest?: StoredCheckpoint;
  /** Set while `latest` is newer than what the store holds. */
  dirty: boolean;
  lastWrite: number;
  writing?: Promise<void>;
  timer?: NodeJS.Timeout;
}

/**
 * A SearchStore that writes each search's checkpoint at most once per `intervalMs` (0: every time, synchronously).
 * A reinforce/ppo checkpoint is megabytes of JSON, and writing it after every policy step would cost more than the
 * rest of a benchmark-mode step together; a controller restarted from an older checkpoint loses nothing, because the
 * session re-proposes the steps after it and reuses their stored candidates. Candidates are written through at once:
 * they are what makes a result durable.
 */
export class IntervalCheckpointStore implements SearchStore {
  private readonly pending = new Map<string, Pending>();
  private readonly barriers = new Map<string, () => Promise<void>>();

  constructor(
    private readonly inner: SearchStore,
    private readonly intervalMs: number,
    private readonly onError: (search: string, error: Error) => void,
  ) {}

  createSearch(search: StoredSearch): Promise<boolean> {
    return this.inner.createSearch(search);
  }

  putSearch(search: StoredSearch): Promise<void> {
    return this.inner.putSearch(search);
  }

  getSearch(id: string): Promise<StoredSearch | undefined> {
    return this.inner.getSearch(id);
  }

  listSearches(): Promise<StoredSearch[]> {
    return this.inner.listSearches();
  }

  putCandidate(id: string, candidate: CandidateRecord): Promise<boolean> {
    return this.inner.putCandidate(id, candidate);
  }

  listCandidates(id: string): Promise<CandidateRecord[]> {
    return this.inner.listCandidates(id);
  }

  /**
   * Runs `barrier` before each checkpoint of the search is written. The controller passes "every event published
   * so far is stored": a restarted controller does not repeat the steps a checkpoint covers, so their events must
   * not be lost with the process that had them queued.
   */
  setBarrier(id: string, barrier: () => Promise<void>): void {
    this.barriers.set(id, barrier);
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    if (this.intervalMs === 0) {
      await this.barriers.get(id)?.();
      return this.inner.putCheckpoint(id, checkpoint);
    }
    const p = this.entry(id);
    p.latest = checkpoint;
    p.dirty = true;
    this.schedule(id, p);
  }

  /** The newest checkpoint, also one not written yet. */
  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    return this.pending.get(id)?.latest ?? this.inner.getCheckpoint(id);
  }

  putBlob(id: string, name: string, data: Uint8Array): Promise<void> {
    return this.inner.putBlob(id, name, data);
  }

  getBlob(id: string, name: string): Promise<Uint8Array | undefined> {
    return this.inner.getBlob(id, name);
  }

  listBlobs(id: string, prefix: string): Promise<string[]> {
    return this.inner.listBlobs(id, prefix);
  }

  /** Writes the search's newest checkpoint now if it is not stored yet, and forgets it. */
  async flush(id: string): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    await p.writing;
    if (p.dirty) await this.write(id, p);
    this.pending.delete(id);
    this.barriers.delete(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((id) => this.flush(id)));
    await this.inner.close();
  }

  private entry(id: string): Pending {
    let p = this.pending.get(id);
    if (!p) this.pending.set(id, (p = { dirty: false, lastWrite: 0 }));
    return p;
  }

  /** One write in flight per search; the next starts when both it is done and the interval has passed. */
  private schedule(id: string, p: Pending): void {
    if (p.writing || p.timer) return;
    const wait = Math.max(0, p.lastWrite + this.intervalMs - Date.now());
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (!p.dirty || this.pending.get(id) !== p) return;
      p.writing = this.write(id, p)
        .catch((e: unknown) => this.onError(id, e instanceof Error ? e : new Error(String(e))))
        .finally(() => {
          p.writing = undefined;
          if (p.dirty) this.schedule(id, p);
        });
    }, wait);
  }

  private async write(id: string, p: Pending): Promise<void> {
    const checkpoint = p.latest!;
    p.dirty = false;
    p.lastWrite = Date.now();
    try {
      await this.barriers.get(id)?.();
      await this.inner.putCheckpoint(id, checkpoint);
    } catch (e) {
      // Not stored: the next put or flush tries again, unless a newer checkpoint has replaced it meanwhile.
      if (p.latest === checkpoint) p.dirty = true;
      throw e;
    }
  }
}
