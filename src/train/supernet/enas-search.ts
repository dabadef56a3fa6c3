import type { Strategy } from '../../controller/types.js';
import type { Architecture } from '../../space/types.js';
import type { Supernet, SupernetBatch } from './supernet.js';

/** Shape of the ENAS search loop. */
export interface EnasSearchOptions {
  /** Epochs of (shared training, controller training). */
  readonly epochs: number;
  /** Shared-weight SGD steps per epoch, each on a freshly sampled architecture. */
  readonly sharedSteps: number;
  /** Controller updates per epoch: each proposes `archsPerControllerStep` architectures and observes their rewards. */
  readonly controllerSteps: number;
  readonly archsPerControllerStep: number;
}

export interface EnasDataSource {
  /** Next training minibatch (for the shared weights). */
  readonly trainBatch: () => SupernetBatch;
  /** Next validation minibatch (for rewards). */
  readonly validBatch: () => SupernetBatch;
}

export interface EnasEpochStats {
  readonly epoch: number;
  /** Mean shared-training loss of the epoch. */
  readonly sharedLoss: number;
  /** Every (architecture, reward) the controller observed this epoch, in order. */
  readonly observations: { arch: Architecture; reward: number }[];
  readonly meanReward: number;
  /** Seconds spent in shared training and in the controller phase. */
  readonly sharedSeconds: number;
  readonly controllerSeconds: number;
}

export interface EnasSearchHooks {
  /**
   * Architecture to train the shared weights on at each step. Default: `controller.sample(1)[0]`, a draw from the
   * controller's policy that, unlike propose, may repeat and does not count as a proposal (as in ENAS).
   */
  readonly sampleArch?: () => Architecture;
  /** Called after each epoch (e.g. to save a checkpoint or log). */
  readonly onEpoch?: (stats: EnasEpochStats) => void | Promise<void>;
}

/**
 * The ENAS search loop (Pham et al. 2018): each epoch trains the shared weights for `sharedSteps` steps on
 * sampled architectures, then trains the controller for `controllerSteps` steps on the shared-weight validation
 * accuracy of its proposals (the controller updates itself in `observe`, per its own batch size).
 */
export async function enasSearch(
  net: Supernet,
  controller: Strategy,
  data: EnasDataSource,
  options: EnasSearchOptions,
  hooks: EnasSearchHooks = {},
): Promise<EnasEpochStats[]> {
  const sampleArch = hooks.sampleArch ?? (() => controller.sample(1)[0]!);
  const history: EnasEpochStats[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    const { losses } = net.trainShared(options.sharedSteps, data.trainBatch, sampleArch);
    const t1 = performance.now();
    const observations: { arch: Architecture; reward: number }[] = [];
    for (let s = 0; s < options.controllerSteps; s++) {
      const archs = controller.propose(options.archsPerControllerStep);
      const results = archs.map((arch) => ({ arch, reward: net.getReward(arch, data.validBatch()) }));
      controller.observe(results);
      observations.push(...results);
    }
    const t2 = performance.now();
    const stats: EnasEpochStats = {
      epoch,
      sharedLoss: mean(losses),
      observations,
      meanReward: mean(observations.map((o) => o.reward)),
      sharedSeconds: (t1 - t0) / 1000,
      controllerSeconds: (t2 - t1) / 1000,
    };
    history.push(stats);
    await hooks.onEpoch?.(stats);
  }
  return history;
}

export interface DerivedArchitecture {
  readonly arch: Architecture;
  readonly reward: number;
  /** All sampled candidates with their rewards, in sampling order. */
  readonly candidates: { arch: Architecture; reward: number }[];
}

/**
 * ENAS's derive step: samples `n` architectures from the controller and returns the one with the best
 * shared-weight accuracy on `validationBatch` (the first on ties). Nothing is observed by the controller.
 */
export function derive(net: Supernet, controller: Strategy, n: number, validationBatch: SupernetBatch): DerivedArchitecture {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`derive needs n >= 1, got ${n}`);
  const candidates = controller.sample(n).map((arch) => ({ arch, reward: net.getReward(arch, validationBatch) }));
  let best = candidates[0]!;
  for (const c of candidates) if (c.reward > best.reward) best = c;
  return { arch: best.arch, reward: best.reward, candidates };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
