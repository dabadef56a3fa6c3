import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { Rng } from '../util/rng.js';
import { qLearningCheckpointSchema, parseCheckpoint } from './checkpoint-schema.js';
import { History } from './history.js';
import { type PolicyDraw, proposeFromPolicy } from './policy-draw.js';
import { REWARD_TRANSFORMS, RewardNormalizer } from './reward-normalizer.js';
import type { Observation, Strategy, StrategyCheckpoint, StrategyStats } from './types.js';

export const qLearningOptionsSchema = z
  .object({
    learningRate: z.number().positive().max(1).default(0.5).describe("Q-learning's step size."),
    discount: z.number().min(0).max(1).default(1).describe('Discount of later decisions (1: none, as BlockQNN).'),
    epsilonStart: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('Exploration rate at first; it falls linearly to epsilonEnd over epsilonDecaySteps observations.'),
    epsilonEnd: z.number().min(0).max(1).default(0.1).describe('Exploration rate after epsilonDecaySteps observations.'),
    epsilonDecaySteps: z.number().int().min(0).default(100).describe('Observations over which the exploration rate falls.'),
    replayBatch: z.number().int().min(0).default(64).describe('Trajectories replayed from memory after each observation.'),
    initialQ: z.number().default(0).describe("Every Q value's start."),
    rewardTransform: z
      .enum(REWARD_TRANSFORMS)
      .default('rank')
      .describe("What the policy learns from: rank (each reward's quantile among all so far: any reward scale) or raw."),
  })
  .strict();
export type QLearningOptions = z.output<typeof qLearningOptionsSchema>;

/**
 * BlockQNN's tabular Q-learning: the state is the decision prefix, the action the next decision. Each step earns the
 * shaped reward r/T and the last step r, so early decisions are credited at once instead of waiting for the final
 * reward to travel back; experience replay propagates it further through the max over the next state's actions.
 */
export class QLearning implements Strategy {
  readonly name = 'qlearning' as const;
  private rng: Rng;
  private history = new History();
  private readonly normalizer: RewardNormalizer;
  private q = new Map<string, number[]>();
  private entropy: number | undefined;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: QLearningOptions,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.normalizer = new RewardNormalizer(options.rewardTransform);
  }

  get epsilon(): number {
    const { epsilonStart, epsilonEnd, epsilonDecaySteps } = this.options;
    const progress = epsilonDecaySteps === 0 ? 1 : Math.min(1, this.history.observations.length / epsilonDecaySteps);
    return epsilonStart + (epsilonEnd - epsilonStart) * progress;
  }

  propose(n: number): number[][] {
    const { archs, entropy } = proposeFromPolicy(n, this.history, (m) => this.draw(m), this.space, this.rng);
    this.entropy = entropy;
    return archs;
  }

  sample(n: number): number[][] {
    return this.draw(n).archs;
  }

  stats(): StrategyStats {
    return { ...(this.entropy === undefined ? {} : { entropy: this.entropy }), epsilon: this.epsilon };
  }

  /** ε-greedy rollouts of the current Q-table. */
  private draw(n: number): PolicyDraw {
    const epsilon = this.epsilon;
    const entropies: number[] = [];
    const archs = Array.from({ length: n }, () => {
      const arch: number[] = [];
      let entropy = 0;
      for (const d of this.space.decisions) {
        const values = this.values(arch, d.choices.length);
        entropy += epsilonGreedyEntropy(values, epsilon);
        arch.push(this.rng.next() < epsilon ? this.rng.int(values.length) : this.argmax(values));
      }
      entropies.push(entropy);
      return arch;
    });
    return { archs, entropies };
  }

  observe(results: readonly Observation[]): void {
    for (const r of results) {
      this.history.add(r);
      this.normalizer.add(r.reward);
      this.learn(r);
      const memory = this.history.observations;
      for (let i = 0; i < this.options.replayBatch; i++) this.learn(memory[this.rng.int(memory.length)]!);
    }
  }

  /** One backward sweep of Q updates along an architecture's decisions. */
  private learn(obs: Observation): void {
    const { learningRate: alpha, discount } = this.options;
    const steps = this.space.decisions.length;
    const reward = this.normalizer.normalize(obs.reward);
    for (let t = steps - 1; t >= 0; t--) {
      const prefix = obs.arch.slice(0, t);
      const values = this.values(prefix, this.space.decisions[t]!.choices.length, true);
      const last = t === steps - 1;
      const next = last ? 0 : Math.max(...this.values(obs.arch.slice(0, t + 1), this.space.decisions[t + 1]!.choices.length));
      const target = (last ? reward : reward / steps) + discount * next;
      const a = obs.arch[t]!;
      values[a] = (1 - alpha) * values[a]! + alpha * target;
    }
  }

  private values(prefix: readonly number[], choices: number, create = false): number[] {
    const key = prefix.join(',');
    let values = this.q.get(key);
    if (!values) {
      values = new Array<number>(choices).fill(this.options.initialQ);
      if (create) this.q.set(key, values);
    }
    return values;
  }

  /** Greedy action; ties broken at random so unexplored actions are not biased to index 0. */
  private argmax(values: readonly number[]): number {
    const best = Math.max(...values);
    const ties = values.flatMap((v, i) => (v === best ? [i] : []));
    return ties[this.rng.int(ties.length)]!;
  }

  checkpoint(): StrategyCheckpoint {
    return {
      strategy: this.name,
      rng: this.rng.state(),
      history: this.history.toJSON(),
      rewards: this.normalizer.toJSON(),
      // Rows are updated in place: copied, so that the snapshot stays as it was.
      q: Object.fromEntries([...this.q].map(([key, values]) => [key, [...values]])),
      entropy: this.entropy ?? null,
    };
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const c = parseCheckpoint(qLearningCheckpointSchema, checkpoint, this.name);
    this.rng = new Rng(c.rng);
    this.history = History.fromJSON(c.history);
    this.normalizer.restore(c.rewards);
    this.q = new Map(Object.entries(c.q).map(([k, v]) => [k, [...v]]));
    this.entropy = c.entropy ?? undefined;
  }

  dispose(): void {}
}

/** Entropy (nats) of one ε-greedy step: ε spread uniformly, 1 − ε over the greedy actions (ties share it). */
function epsilonGreedyEntropy(values: readonly number[], epsilon: number): number {
  const best = Math.max(...values);
  const ties = values.filter((v) => v === best).length;
  return -values.reduce((h, v) => {
    const p = epsilon / values.length + (v === best ? (1 - epsilon) / ties : 0);
    return p > 0 ? h + p * Math.log(p) : h;
  }, 0);
}
