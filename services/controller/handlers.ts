import { assertSearchId } from '../../src/store/keys.js';
import type { SearchStore } from '../../src/store/types.js';
import { ValidationError } from '../../src/util/errors.js';
import { isHostPort } from '../common/grpc/address.js';
import { unary } from '../common/grpc/unary.js';
import { candidateMessage } from '../common/messages/candidate.js';
import { specFromDocument } from '../common/messages/search-document.js';
import type { SearchEvents } from '../common/nats/events.js';
import type { ControllerServer } from '../gen/nasmesh/v1/controller.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import { downloadResults } from './download-results.js';
import { searchMessage } from './search-message.js';
import type { Searches } from './searches.js';
import { watchSearch } from './watch.js';

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
    listSearches: unary(async () => ({
      searches: await Promise.all((await searches.list()).map(async (s) => searchMessage(s, await searches.progress(s.id)))),
    })),
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
      return { searchId, version, checkpointJson: JSON.stringify(checkpoint) };
    }),
  };
}
