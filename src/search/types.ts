import type { ArchitectureJson } from '../space/types.js';
import type { MachineRecord } from '../tf/machine.js';

/** One evaluated candidate, a line of `candidates.jsonl`. */
export interface CandidateRecord {
  index: number;
  architecture: ArchitectureJson;
  hash: string;
  reward: number;
  /** Validation accuracy (fraction) the reward was computed from. */
  accuracy: number;
  /**
   * Parameters and multiply-adds per image (src/train/cost.ts) of the candidate's standalone network, computed from
   * the architecture where weight sharing builds none; in benchmark mode, of the table's network
   * (spec.evaluation.tableNetwork, NAS-Bench-201's by default for nb201), and 0 where that is unknown.
   */
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
  /** A baseline says what it was sized to: the retrained best's parameters, and the widths that came nearest. */
  architecture: ArchitectureJson | { baseline: string; sizedToParams: number; widthMultiplier: number; channels: number[] };
  testAccuracy: number;
  /** What the final stage picks the best by (the test split is only reported). */
  validationAccuracy: number;
  params: number;
  flops: number;
  epochs: number;
  seconds: number;
}

/** A finalist of a weight-sharing search's final stage (summary.json), best first by its short training. */
export interface FinalistSummary {
  architecture: ArchitectureJson;
  /**
   * The search's own ranking: the derive step's shared-weight validation accuracy (weight sharing), or the
   * candidate's search reward (standalone).
   */
  deriveReward: number;
  /** Validation accuracy after the short standalone training (final.finalistTraining); 0 where it diverged. */
  shortTrainingAccuracy: number;
  params: number;
  flops: number;
  diverged?: string;
  /** One of the topK retrained from scratch: its accuracies. */
  retrained?: { validationAccuracy: number; testAccuracy: number };
}

/** Kendall τ-b of the search's ranking against retrained accuracy; null where undefined (fewer than two, all tied). */
export interface RankCorrelation {
  /** The search's ranking (derive or search reward) against short-training accuracy, over the finalists. */
  deriveVsShortTraining: number | null;
  /** Where more than one finalist was retrained, over those: derive reward against retrained test accuracy. */
  deriveVsRetrained?: number | null;
  /** Likewise, short-training accuracy against retrained test accuracy: how well the finalist stage predicts. */
  shortTrainingVsRetrained?: number | null;
}

/** `summary.json` of a search's results directory. */
export interface SearchSummary {
  search: string;
  seed: number;
  durationSeconds: number;
  /**
   * The machine of the process that wrote this summary: embedded (`nasmesh run`), the whole search's unless it was
   * resumed on another; in the mesh, the final stage's pod (the supernet trainer's and the evaluators' may differ).
   * The same seed reproduces a search on the same backend and kind of CPU.
   */
  machine: MachineRecord;
  candidates: number;
  bestCandidate: CandidateRecord | null;
  best: FinalResult | null;
  baseline?: FinalResult;
  /** A final stage with finalists (weight sharing; standalone with final.finalists): them and their rank correlations. */
  finalists?: FinalistSummary[];
  kendallTau?: RankCorrelation;
}

/**
 * Where one of a search's long phases stands, reported when it starts (`done` 0) and after each of its steps, for a
 * front end to show (`nasmesh run`: bars on a terminal, lines in a log). One display per phase and subject.
 */
export interface SearchProgress {
  /**
   * search: candidates evaluated; supernet: shared-weight steps over all epochs (weight sharing); derive: candidates
   * re-scored by the derive step; finalists: batches of the finalists' short trainings, all together; final: batches
   * of a retraining (all epochs); baseline: of the baseline's training; latency: what `nasmesh latency` times.
   */
  readonly phase: 'search' | 'supernet' | 'derive' | 'finalists' | 'final' | 'baseline' | 'latency';
  /** Which of the phase's runs, where it has several: the finalist ("2/3"), the baseline's name. */
  readonly subject?: string;
  readonly done: number;
  readonly total: number;
  /** What `done` counts: candidates, steps, batches. */
  readonly unit: string;
  /** Where within the phase, e.g. "epoch 2/3". */
  readonly detail?: string;
  /** Mean training loss of the current epoch so far. */
  readonly loss?: number;
  /** Mean training accuracy (fraction) of the current epoch so far. */
  readonly accuracy?: number;
  /** The best reward of the candidates evaluated so far. */
  readonly bestReward?: number;
}
