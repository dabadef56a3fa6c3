import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { CandidateRecord } from '../search/types.js';
import { isAtomicTemporary, writeAtomic } from '../util/write-atomic.js';
import { StoreReadError } from './errors.js';
import { assertBlobName, assertBlobPrefix, assertCandidateIndex, assertSearchId, isSearchId, padIndex } from './keys.js';
import { compareSearches } from './order.js';
import { parseStoredCandidate, parseStoredCheckpoint, parseStoredSearch } from './record-schemas.js';
import type { SearchStore, StoredCheckpoint, StoredSearch } from './types.js';
import { writeExclusive } from './write-exclusive.js';

const CANDIDATE_FILE = /^(\d+)\.json$/;

/**
 * The embedded mode's SearchStore: one directory per search under `root`,
 *
 *     <id>/search.json  <id>/checkpoint.json  <id>/candidates/<index>.json  <id>/blobs/<name>
 *
 * Every file is written whole (temporary file, then rename or link), so a process killed mid-write leaves the
 * previous state, and several processes may share the directory.
 */
export class LocalDirSearchStore implements SearchStore {
  constructor(
    readonly root: string,
    /** Told about each search record listSearches leaves out because it cannot be read back. */
    private readonly onUnreadable: (error: StoreReadError) => void = (e) => console.error(e.message),
  ) {}

  async createSearch(search: StoredSearch): Promise<boolean> {
    const path = this.path(search.id, 'search.json');
    await mkdir(dirname(path), { recursive: true });
    return writeExclusive(path, JSON.stringify(search));
  }

  async putSearch(search: StoredSearch): Promise<void> {
    await this.write(search.id, 'search.json', JSON.stringify(search));
  }

  async getSearch(id: string): Promise<StoredSearch | undefined> {
    return this.read(this.path(id, 'search.json'), (text) => parseStoredSearch(text, id));
  }

  async listSearches(): Promise<StoredSearch[]> {
    const ids = (await readdirOrEmpty(this.root)).filter(isSearchId);
    const searches = await Promise.all(
      ids.map((id) =>
        this.getSearch(id).catch((e: unknown) => {
          if (!(e instanceof StoreReadError)) throw e;
          this.onUnreadable(e);
          return undefined;
        }),
      ),
    );
    return searches.filter((s) => s !== undefined).sort(compareSearches);
  }

  async putCandidate(id: string, candidate: CandidateRecord): Promise<boolean> {
    assertCandidateIndex(candidate.index);
    const path = this.path(id, 'candidates', `${padIndex(candidate.index)}.json`);
    await mkdir(dirname(path), { recursive: true });
    return writeExclusive(path, JSON.stringify(candidate));
  }

  async listCandidates(id: string): Promise<CandidateRecord[]> {
    const dir = this.path(id, 'candidates');
    const files = (await readdirOrEmpty(dir)).filter((f) => CANDIDATE_FILE.test(f));
    const records = await Promise.all(
      files.map((f) => this.read(join(dir, f), (text) => parseStoredCandidate(text, id, Number(f.split('.')[0])))),
    );
    // Present by construction: candidate files are never removed.
    return records.map((r) => r!).sort((a, b) => a.index - b.index);
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    await this.write(id, 'checkpoint.json', JSON.stringify(checkpoint));
  }

  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    return this.read(this.path(id, 'checkpoint.json'), (text) => parseStoredCheckpoint(text, id));
  }

  async putBlob(id: string, name: string, data: Uint8Array): Promise<void> {
    assertBlobName(name);
    await this.write(id, join('blobs', name), data);
  }

  async getBlob(id: string, name: string): Promise<Uint8Array | undefined> {
    assertBlobName(name);
    try {
      return new Uint8Array(await readFile(this.path(id, 'blobs', name)));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async listBlobs(id: string, prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    const dir = this.path(id, 'blobs');
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    return entries
      .filter((e) => e.isFile() && !isAtomicTemporary(e.name))
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((name) => name.startsWith(prefix))
      .sort();
  }

  async close(): Promise<void> {}

  private path(id: string, ...parts: string[]): string {
    assertSearchId(id);
    return join(this.root, id, ...parts);
  }

  private async write(id: string, file: string, data: Uint8Array | string): Promise<void> {
    const path = this.path(id, file);
    await mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, data);
  }

  /** The file's record, checked by `parse`; undefined when there is no such file. */
  private async read<T>(path: string, parse: (text: string) => T): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    return parse(text);
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
