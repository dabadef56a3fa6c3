import { StorageType, type KV, type NatsConnection, type ObjectStore } from 'nats';
import type { CandidateRecord } from '../../../src/search/types.js';
import { StoreReadError } from '../../../src/store/errors.js';
import { assertBlobName, assertBlobPrefix, assertCandidateIndex, assertSearchId, padIndex } from '../../../src/store/keys.js';
import { compareSearches } from '../../../src/store/order.js';
import { parseStoredCandidate, parseStoredCheckpoint, parseStoredSearch } from '../../../src/store/record-schemas.js';
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
    private readonly onUnreadable: (error: StoreReadError) => void,
  ) {}

  /** `onUnreadable`: told about each search record listSearches leaves out because it cannot be read back. */
  static async open(
    nc: NatsConnection,
    onUnreadable: (error: StoreReadError) => void = (e) => console.error(e.message),
  ): Promise<NatsSearchStore> {
    const js = nc.jetstream({ timeout: REQUEST_TIMEOUT_MS });
    const kv = await retryTransient(() => js.views.kv(SEARCH_BUCKET, { history: 1, storage: StorageType.File }));
    const os = await retryTransient(() => js.views.os(BLOB_BUCKET, { storage: StorageType.File }));
    return new NatsSearchStore(kv, os, onUnreadable);
  }

  /** KV create with the expected revision "no such key": of two controllers creating one search, one wins. */
  async createSearch(search: StoredSearch): Promise<boolean> {
    return this.create(searchKey(search.id), encoder.encode(JSON.stringify(search)));
  }

  async putSearch(search: StoredSearch): Promise<void> {
    const key = searchKey(search.id);
    await retryTransient(() => this.kv.put(key, encoder.encode(JSON.stringify(search))));
  }

  async getSearch(id: string): Promise<StoredSearch | undefined> {
    return this.getRecord(searchKey(id), (text) => parseStoredSearch(text, id));
  }

  async listSearches(): Promise<StoredSearch[]> {
    const searches = await this.getAll(
      'search.*',
      (text, key) => parseStoredSearch(text, key.slice('search.'.length)),
      (e) => {
        this.onUnreadable(e);
        return undefined;
      },
    );
    return searches.sort(compareSearches);
  }

  async putCandidate(id: string, candidate: CandidateRecord): Promise<boolean> {
    assertCandidateIndex(candidate.index);
    return this.create(candidateKey(id, candidate.index), encoder.encode(JSON.stringify(candidate)));
  }

  async listCandidates(id: string): Promise<CandidateRecord[]> {
    assertSearchId(id);
    const candidates = await this.getAll(
      `candidate.${id}.*`,
      (text, key) => parseStoredCandidate(text, id, Number(key.split('.').at(-1))),
      (e) => {
        throw e;
      },
    );
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
    return data && parseStoredCheckpoint(decoder.decode(data), id);
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

  /**
   * Creates `key` unless it holds a value: create() is a put with the expected revision "no such key", so of racing
   * writers exactly one succeeds. Returns whether this call stored `data`.
   */
  private async create(key: string, data: Uint8Array): Promise<boolean> {
    let attempts = 0;
    try {
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

  private async getRecord<T>(key: string, parse: (text: string, key: string) => T): Promise<T | undefined> {
    const entry = await retryTransient(() => this.kv.get(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return parse(decoder.decode(entry.value), key);
  }

  /** Every record under `filter`; `unreadable` decides what a record that fails `parse` becomes (or rethrows). */
  private async getAll<T>(
    filter: string,
    parse: (text: string, key: string) => T,
    unreadable: (e: StoreReadError) => T | undefined,
  ): Promise<T[]> {
    const keys = await retryTransient(async () => {
      const found: string[] = [];
      for await (const key of await this.kv.keys(filter)) found.push(key);
      return found;
    });
    const values = await Promise.all(
      keys.map((k) =>
        this.getRecord(k, parse).catch((e: unknown) => {
          if (e instanceof StoreReadError) return unreadable(e);
          throw e;
        }),
      ),
    );
    return values.filter((v) => v !== undefined);
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
