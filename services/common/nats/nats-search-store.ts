import { StorageType, type KV, type NatsConnection, type ObjectStore } from 'nats';
import type { CandidateRecord } from '../../../src/search/types.js';
import { StoreReadError } from '../../../src/store/errors.js';
import { assertBlobName, assertBlobPrefix, assertCandidateIndex, assertSearchId, padIndex } from '../../../src/store/keys.js';
import { compareSearches } from '../../../src/store/order.js';
import type { SearchStore, StoredCheckpoint, StoredSearch } from '../../../src/store/types.js';
import { readObject } from './object-read.js';
import { REQUEST_TIMEOUT_MS, retryTransient } from './retry.js';
import { BLOB_BUCKET, SEARCH_BUCKET } from './subjects.js';

/** JetStream's error for a write whose expected last revision (0: "no such key") does not hold. */
const WRONG_LAST_SEQUENCE = 10071;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The mesh's SearchStore. Small records live in the KV bucket `nasmesh-searches` (`search.<id>`,
 * `candidate.<id>.<index>`); checkpoints and blobs in the object store `nasmesh-blobs` (`<id>/checkpoint.json`,
 * `<id>/blobs/<name>`), because a controller checkpoint (2-3 MB of JSON) exceeds NATS's 1 MB message limit that
 * bounds a KV value, while the object store chunks. Every operation retries through a nats-server restart. The
 * connection stays the caller's: close() leaves it open.
 */
export class NatsSearchStore implements SearchStore {
  private constructor(
    private readonly kv: KV,
    private readonly os: ObjectStore,
  ) {}

  static async open(nc: NatsConnection): Promise<NatsSearchStore> {
    const js = nc.jetstream({ timeout: REQUEST_TIMEOUT_MS });
    const kv = await retryTransient(() => js.views.kv(SEARCH_BUCKET, { history: 1, storage: StorageType.File }));
    const os = await retryTransient(() => js.views.os(BLOB_BUCKET, { storage: StorageType.File }));
    return new NatsSearchStore(kv, os);
  }

  async putSearch(search: StoredSearch): Promise<void> {
    const key = searchKey(search.id);
    await retryTransient(() => this.kv.put(key, encoder.encode(JSON.stringify(search))));
  }

  async getSearch(id: string): Promise<StoredSearch | undefined> {
    return this.getJson<StoredSearch>(searchKey(id));
  }

  async listSearches(): Promise<StoredSearch[]> {
    const searches = await this.getAll<StoredSearch>('search.*');
    return searches.sort(compareSearches);
  }

  async putCandidate(id: string, candidate: CandidateRecord): Promise<boolean> {
    assertCandidateIndex(candidate.index);
    const key = candidateKey(id, candidate.index);
    const data = encoder.encode(JSON.stringify(candidate));
    let attempts = 0;
    try {
      // create() fails when the key holds a value, so of racing writers exactly one succeeds.
      await retryTransient(() => (attempts++, this.kv.create(key, data)));
      return true;
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== WRONG_LAST_SEQUENCE) throw err;
    }
    // After a retry the value may be this call's own, stored by an attempt whose reply was lost.
    if (attempts === 1) return false;
    const stored = await retryTransient(() => this.kv.get(key));
    return stored !== null && Buffer.from(stored.value).equals(data);
  }

  async listCandidates(id: string): Promise<CandidateRecord[]> {
    assertSearchId(id);
    const candidates = await this.getAll<CandidateRecord>(`candidate.${id}.*`);
    return candidates.sort((a, b) => a.index - b.index);
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    const name = checkpointObject(id);
    const data = encoder.encode(JSON.stringify(checkpoint));
    await retryTransient(() => this.os.putBlob({ name }, data));
  }

  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    const name = checkpointObject(id);
    const data = await retryTransient(() => readObject(this.os, name));
    return data && parse<StoredCheckpoint>(data, `${BLOB_BUCKET}/${name}`);
  }

  async putBlob(id: string, name: string, data: Uint8Array): Promise<void> {
    const object = blobObject(id, name);
    await retryTransient(() => this.os.putBlob({ name: object }, data));
  }

  async getBlob(id: string, name: string): Promise<Uint8Array | undefined> {
    const object = blobObject(id, name);
    return retryTransient(() => readObject(this.os, object));
  }

  /** Lists the whole bucket's objects (the object store has no listing by prefix); a search has few blobs. */
  async listBlobs(id: string, prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    const folder = blobFolder(id);
    const objects = await retryTransient(() => this.os.list());
    return objects
      .map((o) => o.name)
      .filter((name) => name.startsWith(folder + prefix))
      .map((name) => name.slice(folder.length))
      .sort();
  }

  async close(): Promise<void> {}

  private async getJson<T>(key: string): Promise<T | undefined> {
    const entry = await retryTransient(() => this.kv.get(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return parse<T>(entry.value, `${SEARCH_BUCKET}/${key}`);
  }

  private async getAll<T>(filter: string): Promise<T[]> {
    const keys = await retryTransient(async () => {
      const found: string[] = [];
      for await (const key of await this.kv.keys(filter)) found.push(key);
      return found;
    });
    const values = await Promise.all(keys.map((k) => this.getJson<T>(k)));
    return values.filter((v) => v !== undefined);
  }
}

function parse<T>(data: Uint8Array, location: string): T {
  try {
    return JSON.parse(decoder.decode(data)) as T;
  } catch (err) {
    throw new StoreReadError(location, err);
  }
}

function searchKey(id: string): string {
  assertSearchId(id);
  return `search.${id}`;
}

function candidateKey(id: string, index: number): string {
  assertSearchId(id);
  return `candidate.${id}.${padIndex(index)}`;
}

function checkpointObject(id: string): string {
  assertSearchId(id);
  return `${id}/checkpoint.json`;
}

function blobFolder(id: string): string {
  assertSearchId(id);
  return `${id}/blobs/`;
}

function blobObject(id: string, name: string): string {
  assertBlobName(name);
  return blobFolder(id) + name;
}
