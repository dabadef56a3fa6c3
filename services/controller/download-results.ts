import type { handleServerStreamingCall } from '@grpc/grpc-js';
import { assertSearchId } from '../../src/store/keys.js';
import type { SearchStore } from '../../src/store/types.js';
import { ConcurrencyLimit } from '../common/grpc/concurrency-limit.js';
import { serverStreaming, writeMessage } from '../common/grpc/server-streaming.js';
import { ResultBlobs } from '../common/results/result-blobs.js';
import type { DownloadResultsRequest, ResultFileChunk } from '../gen/nasmesh/v1/controller.js';
import type { Searches } from './searches.js';

/** Most file bytes in one ResultFileChunk (controller.proto). */
export const RESULT_CHUNK_BYTES = 1024 * 1024;

/** Downloads at once: each reads whole result files (a model's weights) into memory. */
export const MAX_DOWNLOADS = 16;

/**
 * DownloadResults: `candidates.jsonl` from the stored candidates (one JSON line each, as `nasmesh run` writes it),
 * then the files of the search's completed final stage, each in chunks of at most RESULT_CHUNK_BYTES. Each chunk
 * waits for the client to take the one before, so a slow client holds back one file's reading, not the whole download.
 */
export function downloadResults(
  searches: Searches,
  store: Pick<SearchStore, 'listCandidates' | 'getBlob' | 'putBlob' | 'listBlobs'>,
): handleServerStreamingCall<DownloadResultsRequest, ResultFileChunk> {
  const limit = new ConcurrencyLimit(MAX_DOWNLOADS, 'DownloadResults streams');
  return serverStreaming((call, { signal }) =>
    limit.run(async () => {
      const send = async (path: string, data: Uint8Array) => {
        for (let offset = 0; offset === 0 || offset < data.length; offset += RESULT_CHUNK_BYTES) {
          const chunk = { path, size: data.length, offset, data: Buffer.from(data.subarray(offset, offset + RESULT_CHUNK_BYTES)) };
          await writeMessage(call, chunk, signal);
        }
      };
      const id = call.request.searchId;
      assertSearchId(id, 'searchId');
      await searches.require(id);
      const candidates = await store.listCandidates(id);
      await send('candidates.jsonl', Buffer.from(candidates.map((c) => `${JSON.stringify(c)}\n`).join('')));
      const results = new ResultBlobs(store, id);
      for (const path of await results.paths()) await send(path, await results.read(path));
    }),
  );
}
