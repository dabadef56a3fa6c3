import { assertSearchId } from '../../src/store/keys.js';
import { ValidationError } from '../../src/util/errors.js';
import { unary } from '../common/grpc/unary.js';
import type { SupernetTrainerServer } from '../gen/nasmesh/v1/supernet_trainer.js';
import { specFromDocument } from '../common/messages/search-document.js';
import type { SupernetTrainer } from './trainer.js';

/** The SupernetTrainer RPCs over `trainer`; bad input is INVALID_ARGUMENT naming the request field. */
export function supernetTrainerHandlers(trainer: SupernetTrainer): SupernetTrainerServer {
  return {
    startTraining: unary(async (request) => {
      assertSearchId(request.searchId, 'searchId');
      const spec = specFromDocument(request.document).spec;
      if (request.controller === '') throw new ValidationError('controller', 'is required (host:port of the search\'s controller)');
      return trainer.start(request.searchId, spec, request.controller);
    }),
    getStatus: unary(async (request) => {
      assertSearchId(request.searchId, 'searchId');
      return trainer.status(request.searchId);
    }),
    getLatestCheckpoint: unary(async (request) => {
      assertSearchId(request.searchId, 'searchId');
      return trainer.latest(request.searchId);
    }),
    stopTraining: unary(async (request) => {
      assertSearchId(request.searchId, 'searchId');
      return trainer.stop(request.searchId);
    }),
  };
}
