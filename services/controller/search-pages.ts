import type { StoredSearch } from '../../src/store/types.js';
import { compareSearches } from '../../src/store/order.js';
import { ValidationError } from '../../src/util/errors.js';

/** ListSearches' page size when the request sets none, and the most it may ask for (controller.proto). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** A page token is small: a time and a search id, base64url. */
const MAX_TOKEN_LENGTH = 256;

/**
 * One page of `searches` (sorted as the store lists them) after the search a token names. The token names the last
 * search of the previous page by (createdAt, id), so a search created or removed meanwhile neither repeats nor
 * shifts the pages after it.
 */
export function searchPage(
  searches: readonly StoredSearch[],
  pageSize: number,
  pageToken: string,
): { page: StoredSearch[]; nextPageToken: string } {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    throw new ValidationError('pageSize', `must be 0 (meaning ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}`);
  }
  const size = pageSize || DEFAULT_PAGE_SIZE;
  const after = pageToken === '' ? undefined : readToken(pageToken);
  const start = after === undefined ? 0 : searches.findIndex((s) => compareSearches(s, after) > 0);
  const page = start < 0 ? [] : searches.slice(start, start + size);
  const last = page.at(-1);
  const more = last !== undefined && start + size < searches.length;
  return { page, nextPageToken: more ? writeToken(last) : '' };
}

function writeToken({ createdAt, id }: Pick<StoredSearch, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function readToken(token: string): Pick<StoredSearch, 'createdAt' | 'id'> {
  const bad = () => new ValidationError('pageToken', 'is not a next_page_token this controller gave');
  if (token.length > MAX_TOKEN_LENGTH) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') throw bad();
  return { createdAt: value[0], id: value[1] };
}
