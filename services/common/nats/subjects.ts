import { assertSearchId } from '../../../src/store/keys.js';
import { ValidationError } from '../../../src/util/errors.js';
import type { JobKey, SearchEventKind } from './types.js';

/** Names of every JetStream resource nasmesh uses: one place, so services and the operator agree. */
export const EVENTS_STREAM = 'NASMESH_EVENTS';
export const WORK_STREAM = 'NASMESH_WORK';
export const RESULTS_STREAM = 'NASMESH_RESULTS';
export const SEARCH_BUCKET = 'nasmesh-searches';
export const BLOB_BUCKET = 'nasmesh-blobs';

const KIND = /^[a-z0-9][-a-z0-9]{0,62}$/;

export function eventSubject(searchId: string, kind: SearchEventKind): string {
  assertSearchId(searchId);
  return `nasmesh.search.${searchId}.${kind}`;
}

/** Every event of one search. */
export function searchEventsFilter(searchId: string): string {
  assertSearchId(searchId);
  return `nasmesh.search.${searchId}.*`;
}

/** Work kind (`evaluate-benchmark`, ...): a subject token and part of the shared consumer's name. */
export function assertWorkKind(kind: string): void {
  if (!KIND.test(kind)) throw new ValidationError('work.kind', `'${kind}' must be lower-case letters, digits or '-'`);
}

export function workSubject(kind: string): string {
  assertWorkKind(kind);
  return `nasmesh.work.${kind}`;
}

/** The durable consumer every worker of a kind pulls from: sharing it is what makes them compete. */
export function workConsumerName(kind: string): string {
  assertWorkKind(kind);
  return `workers-${kind}`;
}

export function resultSubject(searchId: string): string {
  assertSearchId(searchId);
  return `nasmesh.result.${searchId}`;
}

export function resultsConsumerName(searchId: string): string {
  assertSearchId(searchId);
  return `controller-${searchId}`;
}

/** De-duplication id of a job and of its result: a job or result sent again is dropped within the window. */
export function jobMsgId({ searchId, index }: JobKey): string {
  assertSearchId(searchId);
  return `${searchId}.${index}`;
}
