import type { ResultFiles } from '../../../src/search/result-files.js';
import type { SearchStore } from '../../../src/store/types.js';
import { NasmeshError } from '../../../src/util/errors.js';

/** A search's result files are its blobs `results/<path>` (`results/summary.json`, `results/model/weights.bin`). */
export const RESULTS_PREFIX = 'results/';

/**
 * Stored after every result file: the final stage has completed. Outside `results/`, so that the files are exactly
 * what the search's final stage wrote.
 */
const COMPLETE = 'results-complete';

/** What the completion marker records. */
export interface ResultsComplete {
  readonly completedAt: string;
  /** Every file written, with its size in bytes. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

const encoder = new TextEncoder();

/**
 * The result files of search `id` in the mesh's store, written by the final stage (`nasmesh final`) and read by the
 * controller's DownloadResults.
 */
export class ResultBlobs {
  constructor(
    private readonly store: Pick<SearchStore, 'putBlob' | 'getBlob' | 'listBlobs'>,
    private readonly id: string,
  ) {}

  /** ResultFiles that store each file as a blob and remember what was written, for `markComplete`. */
  writer(onWrite?: (path: string, bytes: number) => void): ResultFiles & { readonly written: ResultsComplete['files'] } {
    const written: { path: string; bytes: number }[] = [];
    return {
      written,
      write: async (path, data) => {
        const bytes = typeof data === 'string' ? encoder.encode(data) : data;
        await this.store.putBlob(this.id, RESULTS_PREFIX + path, bytes);
        written.push({ path, bytes: bytes.length });
        onWrite?.(path, bytes.length);
      },
    };
  }

  /** Marks the results complete: called once every file is stored. */
  async markComplete(files: ResultsComplete['files']): Promise<void> {
    const marker: ResultsComplete = { completedAt: new Date().toISOString(), files };
    await this.store.putBlob(this.id, COMPLETE, encoder.encode(JSON.stringify(marker)));
  }

  async complete(): Promise<boolean> {
    return (await this.store.getBlob(this.id, COMPLETE)) !== undefined;
  }

  /** The stored files' paths (relative to the results directory), sorted; none until the results are complete. */
  async paths(): Promise<string[]> {
    if (!(await this.complete())) return [];
    return (await this.store.listBlobs(this.id, RESULTS_PREFIX)).map((name) => name.slice(RESULTS_PREFIX.length));
  }

  /** A stored file (one `paths` lists: blobs are replaced, never removed). */
  async read(path: string): Promise<Uint8Array> {
    const data = await this.store.getBlob(this.id, RESULTS_PREFIX + path);
    if (data === undefined) throw new NasmeshError(`search ${this.id} has no result file ${path}`);
    return data;
  }
}
