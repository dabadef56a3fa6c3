import type { StrategyStatsRecord } from '../strategy/types.js';
import type { MicroCell } from '../space/enas-micro.js';
import type { MachineRecord } from '../tf/machine.js';

/** One evaluated candidate, as the report needs it. */
export interface ReportCandidate {
  readonly index: number;
  /** The architecture's canonical string. */
  readonly arch: string;
  readonly reward: number;
  /** Validation accuracy, a fraction. */
  readonly accuracy: number;
  /** 0 where the evaluation did not count them (benchmark look-ups). */
  readonly params: number;
  readonly flops: number;
  /** Measured inference latency, where a latency profiler measured it. */
  readonly latencyMs?: number;
  /** Why training diverged (reward 0). */
  readonly diverged?: string;
}

/** A network retrained from scratch in the final stage. */
export interface ReportFinal {
  /** The architecture's canonical string or the baseline's name. */
  readonly name: string;
  readonly testAccuracy: number;
  /** What the final stage picked by; absent in results of older versions. */
  readonly validationAccuracy?: number;
  readonly params: number;
  readonly flops: number;
  readonly epochs: number;
  /** A size-matched baseline's channels per stage. */
  readonly channels?: readonly number[];
}

/** A finalist of a weight-sharing search's final stage, best first by its short training. */
export interface ReportFinalist {
  readonly arch: string;
  readonly deriveReward: number;
  readonly shortTrainingAccuracy: number;
  readonly params: number;
  /** One of the topK retrained: its test accuracy. */
  readonly retrainedTestAccuracy?: number;
}

/** Everything the report shows; built from a results directory by `loadResults`. */
export interface ReportData {
  readonly search: {
    readonly name: string;
    readonly space: string;
    readonly strategy: string;
    readonly evaluation: string;
    readonly objective: string;
    readonly seed: number;
    /** The entropy of the uniform distribution over the space, ln(number of architectures). */
    readonly maxEntropy: number;
  };
  /** In evaluation order. */
  readonly candidates: readonly ReportCandidate[];
  /** Absent while a search runs or when it stopped early. */
  readonly summary: {
    readonly durationSeconds: number;
    /** Absent in results of older versions. */
    readonly machine?: Readonly<MachineRecord>;
    readonly best: ReportFinal | null;
    readonly baseline?: ReportFinal;
    readonly finalists?: readonly ReportFinalist[];
    /** Kendall τ of the search's ranking against retrained accuracy (summary.json's kendallTau). */
    readonly kendallTau?: {
      readonly deriveVsShortTraining?: number | null;
      readonly deriveVsRetrained?: number | null;
      readonly shortTrainingVsRetrained?: number | null;
    };
  } | null;
  /** enas-micro: the found cells, decoded (the retrained best's, else the best candidate's). */
  readonly cells: {
    readonly arch: string;
    /** Whether they are the final stage's pick rather than the best-rewarded candidate's. */
    readonly retrained: boolean;
    readonly normal: MicroCell;
    readonly reduce: MicroCell;
  } | null;
  /** Absent for results written before controller stats were recorded. */
  readonly controller: readonly StrategyStatsRecord[] | null;
}
