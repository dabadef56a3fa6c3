export { StoreReadError } from './errors.js';
export { assertBlobName, assertBlobPrefix, assertCandidateIndex, assertSearchId, padIndex } from './keys.js';
export { IntervalCheckpointStore } from './interval-checkpoint-store.js';
export { LocalDirSearchStore } from './local-dir-store.js';
export { compareSearches } from './order.js';
export {
  ENDED_PHASES,
  hasEnded,
  SEARCH_PHASES,
  type SearchPhase,
  type SearchStore,
  type StoredCheckpoint,
  type StoredSearch,
} from './types.js';
