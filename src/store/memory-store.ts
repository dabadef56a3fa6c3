import type { CandidateRecord } from '../search/types.js';
import { assertBlobName, assertBlobPrefix, assertCandidateIndex, assertSearchId } from './keys.js';
import { compareSearches } from './order.js';
import type { SearchStore, StoredCheckpoint, StoredSearch } from './types.js';

/**
 * A SearchStore in this process's memory: for tests and for a controller that need not survive a restart. Values
 * are copied in and out, so a caller holding an object it stored cannot change what the store holds; ids and names
 * are checked as every store checks them.
 */
export class MemorySearchStore implements SearchStore {
  private readonly searches = new Map<string, StoredSearch>();
  private readonly candidates = new Map<string, Map<number, CandidateRecord>>();
  private readonly checkpoints = new Map<string, StoredCheckpoint>();
  private readonly blobs = new Map<string, Uint8Array>();

  async createSearch(search: StoredSearch): Promise<boolean> {
    if (this.searches.has(checked(search.id))) return false;
    await this.putSearch(search);
    return true;
  }

  async putSearch(search: StoredSearch): Promise<void> {
    this.searches.set(checked(search.id), structuredClone(search));
  }

  async getSearch(id: string): Promise<StoredSearch | undefined> {
    return structuredClone(this.searches.get(checked(id)));
  }

  async listSearches(): Promise<StoredSearch[]> {
    return structuredClone([...this.searches.values()].sort(compareSearches));
  }

  async putCandidate(id: string, candidate: CandidateRecord): Promise<boolean> {
    assertCandidateIndex(candidate.index);
    const byIndex = this.candidates.get(checked(id)) ?? new Map<number, CandidateRecord>();
    this.candidates.set(id, byIndex);
    if (byIndex.has(candidate.index)) return false;
    byIndex.set(candidate.index, structuredClone(candidate));
    return true;
  }

  async listCandidates(id: string): Promise<CandidateRecord[]> {
    const stored = [...(this.candidates.get(checked(id))?.values() ?? [])];
    return structuredClone(stored.sort((a, b) => a.index - b.index));
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    this.checkpoints.set(checked(id), structuredClone(checkpoint));
  }

  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    return structuredClone(this.checkpoints.get(checked(id)));
  }

  async putBlob(id: string, name: string, data: Uint8Array): Promise<void> {
    assertBlobName(name);
    this.blobs.set(`${checked(id)}/${name}`, new Uint8Array(data));
  }

  async getBlob(id: string, name: string): Promise<Uint8Array | undefined> {
    assertBlobName(name);
    const blob = this.blobs.get(`${checked(id)}/${name}`);
    return blob && new Uint8Array(blob);
  }

  async listBlobs(id: string, prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    const start = `${checked(id)}/${prefix}`;
    return [...this.blobs.keys()]
      .filter((key) => key.startsWith(start))
      .map((key) => key.slice(id.length + 1))
      .sort();
  }

  async close(): Promise<void> {}
}

function checked(id: string): string {
  assertSearchId(id);
  return id;
}
