import type { ArchitectureJson } from '../space/types.js';

/** One evaluated candidate, a line of `candidates.jsonl`. */
export interface CandidateRecord {
  index: number;
  architecture: ArchitectureJson;
  hash: string;
  reward: number;
  /** Validation accuracy (fraction) the reward was computed from. */
  accuracy: number;
  params: number;
  flops: number;
  seconds: number;
  /** Why training stopped early, when it diverged (reward is then 0). */
  diverged?: string;
  /** Measured inference latency in ms, when the reward uses it (MnasNet): median of one batch on the profiler. */
  latencyMs?: number;
}

/** A network retrained from scratch in the final stage. */
export interface FinalResult {
  architecture: ArchitectureJson | { baseline: string };
  testAccuracy: number;
  params: number;
  flops: number;
  epochs: number;
  seconds: number;
}

/** `summary.json` of a search's results directory. */
export interface SearchSummary {
  search: string;
  seed: number;
  durationSeconds: number;
  candidates: number;
  bestCandidate: CandidateRecord | null;
  best: FinalResult | null;
  baseline?: FinalResult;
}

export interface SearchProgress {
  done: number;
  total: number;
  bestReward: number;
  stage: 'search' | 'final';
}
