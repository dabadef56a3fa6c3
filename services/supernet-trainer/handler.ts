import { assertSearchId } from '../../src/store/keys.js';
import { ValidationError } from '../../src/util/errors.js';
import { isHostPort } from '../common/grpc/address.js';
import { unary } from '../common/grpc/unary.js';
import type { TrustedPeers } from '../common/security/trusted-peers.js';
import type { SupernetTrainerServer } from '../gen/nasmesh/v1/supernet_trainer.js';
import { specFromDocument } from '../common/messages/search-document.js';
import type { SupernetTrainer } from './trainer.js';

/**
 * The SupernetTrainer RPCs over `trainer`; bad input is INVALID_ARGUMENT naming the request field. The trainer dials
 * the controller a StartTraining names, so that must be one of `trustedControllers` (PERMISSION_DENIED otherwise).
 */
export function supernetTrainerHandlers(trainer: SupernetTrainer, trustedControllers: TrustedPeers): SupernetTrainerServer {
  return {
    startTraining: unary(async (request) => {
      assertSearchId(request.searchId, 'searchId');
      const spec = specFromDocument(request.document).spec;
      if (!isHostPort(request.controller)) throw new ValidationError('controller', "must be host:port of the search's controller");
      await trustedControllers.assertTrusted(request.controller, 'controller');
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
