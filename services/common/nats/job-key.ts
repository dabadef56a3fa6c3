import { headers, type JsMsg, type MsgHdrs } from 'nats';
import { assertCandidateIndex, assertSearchId } from '../../../src/store/keys.js';
import { ValidationError } from '../../../src/util/errors.js';
import { CodecError } from './errors.js';
import type { JobKey } from './types.js';

/** Jobs and results carry their key in headers: routing stays independent of the payload's codec. */
const SEARCH_HEADER = 'Nasmesh-Search-Id';
const INDEX_HEADER = 'Nasmesh-Candidate-Index';

export function keyHeaders(key: JobKey): MsgHdrs {
  assertSearchId(key.searchId, 'job.searchId');
  assertCandidateIndex(key.index, 'job.index');
  const h = headers();
  h.set(SEARCH_HEADER, key.searchId);
  h.set(INDEX_HEADER, String(key.index));
  return h;
}

export function readKey(msg: JsMsg): JobKey {
  const searchId = msg.headers?.get(SEARCH_HEADER) ?? '';
  const index = Number(msg.headers?.get(INDEX_HEADER) || NaN);
  try {
    assertSearchId(searchId, SEARCH_HEADER);
    assertCandidateIndex(index, INDEX_HEADER);
  } catch (err) {
    if (err instanceof ValidationError) throw new CodecError(`message ${msg.seq} on ${msg.subject}: ${err.message}`, err);
    throw err;
  }
  return { searchId, index };
}
