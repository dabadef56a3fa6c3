import type { StoredSearch } from './types.js';

/** The order of SearchStore.listSearches: oldest first, ties by id, so every store lists alike. */
export function compareSearches(a: Pick<StoredSearch, 'createdAt' | 'id'>, b: Pick<StoredSearch, 'createdAt' | 'id'>): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
