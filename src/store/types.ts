import type { StrategyCheckpoint } from '../strategy/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import type { CandidateRecord } from '../search/types.js';

export const SEARCH_PHASES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type SearchPhase = (typeof SEARCH_PHASES)[number];

/** The phases a search does not leave: nothing runs for it any more. */
export const ENDED_PHASES: readonly SearchPhase[] = ['succeeded', 'failed', 'cancelled'];

export function hasEnded(phase: SearchPhase): boolean {
  return ENDED_PHASES.includes(phase);
}

/** What is known about one search apart from its candidates. */
export interface StoredSearch {
  readonly id: string;
  readonly spec: SearchSpec;
  readonly phase: SearchPhase;
  /** Why the search failed or was cancelled. */
  readonly message?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The mesh: host:port of the supernet-trainer of a weight-sharing search, when its CreateSearch named one. Stored
   * so that a restarted controller resumes the search on the same trainer; absent, the controller's
   * `--supernet-trainer` trains it.
   */
  readonly supernetTrainer?: string;
}

/**
 * The controller's resumable state: the strategy snapshot taken after observing the first `observed` candidates
 * (by index). Candidates stored with index >= observed were evaluated but not yet learned from.
 */
export interface StoredCheckpoint {
  readonly observed: number;
  readonly strategy: StrategyCheckpoint;
  /** Anything else the search loop must restore (RNG state, reward moving average, ...). */
  readonly extra?: Record<string, unknown>;
}

/**
 * Durable state of searches: the NATS JetStream KV bucket + object store in the mesh, a local directory when
 * embedded. Implementations must be safe to call after a process restart (everything is re-read from storage).
 */
export interface SearchStore {
  /**
   * Stores a new search unless one with its id exists; returns false (storing nothing) when it does. Atomic, also
   * between processes: of two creations of one id, exactly one returns true.
   */
  createSearch(search: StoredSearch): Promise<boolean>;
  putSearch(search: StoredSearch): Promise<void>;
  /** Throws StoreReadError (naming the search and the field) for a record that cannot be read back. */
  getSearch(id: string): Promise<StoredSearch | undefined>;
  /**
   * Ordered by createdAt, then id. A record that cannot be read back is left out (reported to the store's
   * `onUnreadable`), so one corrupt search does not hide the others; getSearch tells what is wrong with it.
   */
  listSearches(): Promise<StoredSearch[]>;
  /**
   * Stores a candidate under its index. Idempotent, also between concurrent writers and processes: returns false
   * (and keeps the first) when the index exists. A call that failed may still have stored the candidate; retrying
   * it then returns false.
   */
  putCandidate(id: string, candidate: CandidateRecord): Promise<boolean>;
  /** Every stored candidate of a search, ordered by index. */
  listCandidates(id: string): Promise<CandidateRecord[]>;
  putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void>;
  getCheckpoint(id: string): Promise<StoredCheckpoint | undefined>;
  /**
   * Large binary objects (supernet weights, exported models), named by `/`-separated segments. A put replaces the
   * blob whole: a reader gets the old or the new bytes, never a mix.
   */
  putBlob(id: string, name: string, data: Uint8Array): Promise<void>;
  getBlob(id: string, name: string): Promise<Uint8Array | undefined>;
  /** The names of the search's blobs that start with `prefix` (e.g. `results/`), sorted. */
  listBlobs(id: string, prefix: string): Promise<string[]>;
  close(): Promise<void>;
}
