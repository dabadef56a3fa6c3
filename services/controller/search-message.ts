import type { CandidateRecord } from '../../src/search/types.js';
import type { StoredSearch } from '../../src/store/types.js';
import { candidateMessage } from '../common/messages/candidate.js';
import { phaseMessage } from '../common/messages/phase.js';
import { documentFromSpec } from '../common/messages/search-document.js';
import type { Search } from '../gen/nasmesh/v1/controller.js';

export interface SearchProgress {
  readonly done: number;
  readonly best?: CandidateRecord;
}

/** A stored search and how far it got, as the Controller's Search message. */
export function searchMessage(search: StoredSearch, progress: SearchProgress): Search {
  return {
    id: search.id,
    document: documentFromSpec(search.spec),
    phase: phaseMessage(search.phase),
    message: search.message ?? '',
    createdAt: new Date(search.createdAt),
    updatedAt: new Date(search.updatedAt),
    done: progress.done,
    total: search.spec.spec.budget.candidates,
    ...(progress.best ? { best: candidateMessage(search.spec.spec.space, progress.best) } : {}),
  };
}

/** The best candidate by reward, the earliest among equals (as the embedded run ranks them). */
export function bestCandidate(candidates: readonly CandidateRecord[]): CandidateRecord | undefined {
  return candidates.reduce<CandidateRecord | undefined>((best, c) => (!best || c.reward > best.reward ? c : best), undefined);
}
