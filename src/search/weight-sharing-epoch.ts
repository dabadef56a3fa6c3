import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createStrategy } from '../strategy/registry.js';
import type { Strategy, StrategyCheckpoint, StrategyName } from '../strategy/types.js';
import type { Supernet, SupernetBatch } from '../train/supernet/supernet.js';
import { ValidationError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** A controller's policy as another process sees it: the search's `spec.strategy` and a checkpoint of that strategy. */
export interface StrategySnapshot {
  readonly spec: { readonly name: StrategyName; readonly [option: string]: unknown };
  readonly checkpoint: StrategyCheckpoint;
}

export interface SharedEpochResult {
  /** Steps done: `steps`, or fewer when stopped. */
  readonly steps: number;
  /** Means over the steps of the cross-entropy and training accuracy (fraction), each measured before its update. */
  readonly loss: number;
  readonly accuracy: number;
  readonly stopped: boolean;
}

/** Where a shared-weight step's architecture comes from: the controller's policy (ENAS), or uniform draws. */
export type SharedSampling = 'policy' | 'uniform';

/** After a shared-weight step: the steps done in the epoch and the means of their loss and accuracy so far. */
export type SharedStepListener = (done: number, loss: number, accuracy: number) => void;

/**
 * One epoch of ENAS shared-weight training outside the controller's process: restores the controller's policy from
 * `policy` and trains `net` for `steps` SGD steps, each on an architecture drawn from that policy
 * (`Strategy.sample`, as enasSearch does), or uniformly from the space with `sampling` 'uniform', and the next
 * minibatch. Yields to the event loop between steps, so a service stays responsive, and stops after the current step
 * once `signal` is aborted. `onStep` is for progress displays.
 */
export async function trainSharedEpoch(
  net: Supernet,
  policy: StrategySnapshot,
  nextBatch: () => SupernetBatch,
  steps: number,
  rng: Rng,
  signal?: AbortSignal,
  onStep?: SharedStepListener,
  sampling: SharedSampling = 'policy',
): Promise<SharedEpochResult> {
  // Restored either way: it checks the checkpoint, and the epoch's random stream stays the same.
  const strategy = restorePolicy(net, policy, rng);
  const draw = sampling === 'uniform' ? () => net.space.sample(rng) : () => strategy.sample(1)[0]!;
  let loss = 0;
  let accuracy = 0;
  let done = 0;
  try {
    while (done < steps && !signal?.aborted) {
      const step = net.step(draw(), nextBatch());
      loss += step.loss;
      accuracy += step.accuracy;
      done++;
      onStep?.(done, loss / done, accuracy / done);
      await yieldToEventLoop();
    }
  } finally {
    strategy.dispose();
  }
  return { steps: done, loss: done === 0 ? 0 : loss / done, accuracy: done === 0 ? 0 : accuracy / done, stopped: done < steps };
}

/**
 * The snapshot's strategy with its own draws: the checkpoint's random state is replaced by one from `rng`. Restored
 * as is, the strategy would draw exactly the architectures the controller is about to propose, and the shared
 * weights would be trained on the very candidates they then score.
 */
function restorePolicy(net: Supernet, policy: StrategySnapshot, rng: Rng): Strategy {
  const { name, ...options } = policy.spec;
  if (policy.checkpoint.strategy !== name) {
    throw new ValidationError('checkpoint.strategy', `'${policy.checkpoint.strategy}' does not match spec.strategy.name '${name}'`);
  }
  if (!Array.isArray(policy.checkpoint.rng)) throw new ValidationError('checkpoint.rng', 'is missing: not a strategy checkpoint');
  const strategy = createStrategy(name, net.space, options, 0);
  try {
    strategy.restore({ ...policy.checkpoint, rng: new Rng(rng.nextUint32()).state() });
  } catch (e) {
    strategy.dispose();
    throw e;
  }
  return strategy;
}
