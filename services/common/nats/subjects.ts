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

/** Events of one kind, of every search. */
export function eventKindFilter(kind: SearchEventKind): string {
  return `nasmesh.search.*.${kind}`;
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

/**
 * Where a search's jobs of one kind are queued. The search id is a token of its own so that the jobs still queued
 * for a search that ended can be purged (searchJobsFilter) without reading them.
 */
export function workSubject(kind: string, searchId: string): string {
  assertWorkKind(kind);
  assertSearchId(searchId);
  return `nasmesh.work.${kind}.${searchId}`;
}

/** Every job of a kind, of every search: what the kind's shared consumer takes. */
export function workFilter(kind: string): string {
  assertWorkKind(kind);
  return `nasmesh.work.${kind}.*`;
}

/** Every job of one search, of any kind. */
export function searchJobsFilter(searchId: string): string {
  assertSearchId(searchId);
  return `nasmesh.work.*.${searchId}`;
}

/**
 * The durable consumer the workers of a kind pull from: sharing it is what makes them compete. With `searchId`, the
 * consumer of the workers of that one search (evaluators started with `--search`), taking its jobs only.
 */
export function workConsumerName(kind: string, searchId?: string): string {
  assertWorkKind(kind);
  if (searchId === undefined) return `workers-${kind}`;
  assertSearchId(searchId);
  return `workers-${kind}-${searchId}`;
}

/** The search a work subject queues jobs for; undefined for a filter of several searches (`*`) or another subject. */
export function searchOfWorkSubject(subject: string): string | undefined {
  const [nasmesh, work, kind, searchId, ...rest] = subject.split('.');
  if (nasmesh !== 'nasmesh' || work !== 'work' || kind === undefined || searchId === undefined || rest.length > 0) return undefined;
  return ['*', '>'].includes(searchId) ? undefined : searchId;
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
