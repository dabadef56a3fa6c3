import { status } from '@grpc/grpc-js';
import { StoreReadError } from '../../src/store/errors.js';
import { assertSearchId } from '../../src/store/keys.js';
import type { SearchStore } from '../../src/store/types.js';
import { ValidationError } from '../../src/util/errors.js';
import { isHostPort } from '../common/grpc/address.js';
import { MAX_RESPONSE_BYTES } from '../common/grpc/limits.js';
import { GrpcStatusError } from '../common/grpc/status.js';
import { unary } from '../common/grpc/unary.js';
import { candidateMessage } from '../common/messages/candidate.js';
import { specFromDocument } from '../common/messages/search-document.js';
import type { SearchEvents } from '../common/nats/events.js';
import type { ControllerServer } from '../gen/nasmesh/v1/controller.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import { downloadResults } from './download-results.js';
import { searchMessage } from './search-message.js';
import { searchPage } from './search-pages.js';
import type { Searches } from './searches.js';
import { watchSearch } from './watch.js';

/** Room for the rest of a PolicySnapshot message beside its checkpoint (UTF-8 JSON of numbers: one byte a character). */
const MAX_SNAPSHOT_CHARS = MAX_RESPONSE_BYTES - 64 * 1024;

/** The Controller RPCs over `searches`. Search ids are checked first, so a malformed one names the field. */
export function controllerHandlers(searches: Searches, events: SearchEvents<SearchEvent>, store: SearchStore): ControllerServer {
  const message = async (id: string) => searchMessage(await searches.require(id), await searches.progress(id));
  return {
    createSearch: unary(async (request) => {
      const spec = specFromDocument(request.document);
      const trainer = request.supernetTrainer || undefined;
      if (trainer !== undefined && !isHostPort(trainer)) {
        throw new ValidationError('supernetTrainer', `'${trainer}' is not host:port, e.g. supernet-trainer:50053`);
      }
      const search = await searches.create(spec, trainer);
      return searchMessage(search, await searches.progress(search.id));
    }),
    getSearch: unary(async ({ searchId }) => {
      assertSearchId(searchId, 'searchId');
      return message(searchId);
    }),
    listSearches: unary(async ({ pageSize, pageToken }) => {
      const { page, nextPageToken } = searchPage(await searches.list(), pageSize, pageToken);
      // A search whose candidates cannot be read back is listed without progress; GetSearch tells why.
      const progress = (id: string) =>
        searches.progress(id).catch((e: unknown) => (e instanceof StoreReadError ? { done: 0 } : Promise.reject(e)));
      return { searches: await Promise.all(page.map(async (s) => searchMessage(s, await progress(s.id)))), nextPageToken };
    }),
    cancelSearch: unary(async ({ searchId }) => {
      assertSearchId(searchId, 'searchId');
      await searches.cancel(searchId);
      return message(searchId);
    }),
    watchSearch: watchSearch(searches, events),
    downloadResults: downloadResults(searches, store),
    getParetoFront: unary(async ({ searchId }) => {
      assertSearchId(searchId, 'searchId');
      const search = await searches.require(searchId);
      const { objectives, front } = await searches.paretoFront(searchId);
      return { objectives, candidates: front.map((c) => candidateMessage(search.spec.spec.space, c)) };
    }),
    getPolicySnapshot: unary(async ({ searchId, minVersion }, { signal }) => {
      assertSearchId(searchId, 'searchId');
      const { version, checkpoint } = await searches.policySnapshot(searchId, minVersion, signal);
      const checkpointJson = JSON.stringify(checkpoint);
      if (checkpointJson.length > MAX_SNAPSHOT_CHARS) {
        throw new GrpcStatusError(
          status.RESOURCE_EXHAUSTED,
          `search ${searchId}: its policy snapshot is over the ${MAX_RESPONSE_BYTES}-byte message limit`,
        );
      }
      return { searchId, version, checkpointJson };
    }),
  };
}
