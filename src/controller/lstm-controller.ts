import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { tf } from '../tf/backend.js';
import { Rng } from '../util/rng.js';
import { Adam } from './adam.js';
import { lstmCheckpointSchema, parseCheckpoint } from './checkpoint-schema.js';
import { History } from './history.js';
import { IncumbentReevaluation } from './incumbent-reevaluation.js';
import { LstmPolicy } from './lstm-policy.js';
import { proposeFromPolicy } from './policy-draw.js';
import { ppoLoss } from './ppo.js';
import { reinforceLoss } from './reinforce.js';
import { REWARD_TRANSFORMS, RewardNormalizer } from './reward-normalizer.js';
import type { Observation, Strategy, StrategyCheckpoint, StrategyStats } from './types.js';

export const lstmControllerOptionsSchema = z
  .object({
    units: z.number().int().min(1).default(64),
    temperature: z.number().positive().default(1),
    tanhConstant: z.number().min(0).default(2.5),
    /** Adam step size; defaults to 0.03 for REINFORCE and 0.02 for PPO. */
    learningRate: z.number().positive().optional(),
    baselineDecay: z.number().min(0).max(1).default(0.9),
    entropyWeight: z.number().min(0).default(1e-4),
    /** Observations per policy update. */
    batchSize: z.number().int().min(1).default(10),
    rewardTransform: z.enum(REWARD_TRANSFORMS).default('rank'),
    /** Replays the `top` best architectures seen in every update, weighted `weight` each against 1 for a fresh one. */
    replay: z
      .object({ top: z.number().int().min(0).default(5), weight: z.number().min(0).default(1) })
      .strict()
      .default({ top: 5, weight: 1 }),
    /**
     * Evaluations of the incumbent (the best mean reward observed) where the reward is noisy, counting its first; 1
     * never repeats one. A repeat costs an evaluation; where the first repeat comes back identical (a noise-free
     * reward), none follows. Asked for by the benchmark harness only (`Strategy.reevaluate`).
     */
    incumbentEvaluations: z.number().int().min(1).default(3),
    /** PPO only: clipping ε and passes over each batch. */
    clip: z.number().positive().max(1).default(0.2),
    epochs: z.number().int().min(1).default(2),
  })
  .strict();
const DEFAULT_LEARNING_RATE = { reinforce: 0.03, ppo: 0.02 } as const;

export type LstmControllerOptions = z.output<typeof lstmControllerOptionsSchema>;

/** The LSTM policy of NASNet/ENAS trained by REINFORCE or PPO on the rewards it observes. */
export class LstmController implements Strategy {
  private rng: Rng;
  private readonly policy: LstmPolicy;
  private readonly adam: Adam;
  private history = new History();
  private readonly normalizer: RewardNormalizer;
  private pending: Observation[] = [];
  private readonly reevaluation: IncumbentReevaluation;
  private baseline: number | null = null;
  private entropy: number | undefined;

  constructor(
    readonly name: 'reinforce' | 'ppo',
    private readonly space: SearchSpace,
    private readonly options: LstmControllerOptions,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.policy = new LstmPolicy(space, options, this.rng.fork());
    this.adam = new Adam(options.learningRate ?? DEFAULT_LEARNING_RATE[name]);
    this.normalizer = new RewardNormalizer(options.rewardTransform);
    this.reevaluation = new IncumbentReevaluation(options.incumbentEvaluations);
  }

  reevaluate(n: number): number[][] {
    return this.reevaluation.next(n);
  }

  propose(n: number): number[][] {
    const draw = (m: number) => this.policy.sample(m, this.rng);
    const { archs, entropy } = proposeFromPolicy(n, this.history, draw, this.space, this.rng);
    this.entropy = entropy;
    return archs;
  }

  sample(n: number): number[][] {
    return this.policy.sample(n, this.rng).archs;
  }

  stats(): StrategyStats {
    return {
      ...(this.entropy === undefined ? {} : { entropy: this.entropy }),
      ...(this.baseline === null ? {} : { baseline: this.baseline }),
    };
  }

  observe(results: readonly Observation[]): void {
    for (const r of results) {
      // A repeated evaluation revises what is remembered of its architecture; the policy learns from new ones.
      const mean = this.reevaluation.record(r);
      if (mean !== undefined) {
        this.history.revise(r.arch, mean);
        continue;
      }
      this.history.add(r);
      this.normalizer.add(r.reward);
      this.pending.push(r);
      if (this.pending.length >= this.options.batchSize) this.train(this.pending.splice(0));
    }
  }

  private train(batch: Observation[]): void {
    const rewards = batch.map((o) => this.normalizer.normalize(o.reward));
    const baseline = this.baseline ?? rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const elites = this.history.best(this.options.replay.top);
    const rows = [...batch, ...elites];
    const advantages = [...rewards, ...elites.map((e) => this.normalizer.normalize(e.reward))].map((r) => r - baseline);
    const weights = rows.map((_, i) => (i < batch.length ? 1 : this.options.replay.weight));
    const archs = rows.map((o) => o.arch);

    tf.tidy(() => {
      const adv = tf.tensor1d(advantages);
      const w = tf.tensor1d(weights);
      const vars = [...this.policy.variables.values()];
      if (this.name === 'reinforce') {
        this.step(() => reinforceLoss(this.policy.evaluate(archs), adv, w, this.options.entropyWeight), vars);
      } else {
        const oldLogProb = tf.keep(this.policy.evaluate(archs).logProb);
        for (let e = 0; e < this.options.epochs; e++) {
          this.step(
            () => ppoLoss(this.policy.evaluate(archs), oldLogProb, adv, w, this.options.clip, this.options.entropyWeight),
            vars,
          );
        }
        oldLogProb.dispose();
      }
    });
    let b = baseline;
    for (const r of rewards) b = this.options.baselineDecay * b + (1 - this.options.baselineDecay) * r;
    this.baseline = b;
  }

  private step(loss: () => tf.Scalar, vars: tf.Variable[]): void {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, vars);
      this.adam.apply(this.policy.variables, grads);
    });
  }

  checkpoint(): StrategyCheckpoint {
    return {
      strategy: this.name,
      rng: this.rng.state(),
      history: this.history.toJSON(),
      rewards: this.normalizer.toJSON(),
      pending: [...this.pending],
      baseline: this.baseline,
      entropy: this.entropy ?? null,
      policy: this.policy.getWeights(),
      adam: this.adam.toJSON(),
      reevaluation: this.reevaluation.toJSON(),
    };
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const c = parseCheckpoint(lstmCheckpointSchema, checkpoint, this.name);
    this.rng = new Rng(c.rng);
    this.history = History.fromJSON(c.history);
    this.normalizer.restore(c.rewards);
    this.pending = c.pending.map((o) => ({ arch: [...o.arch], reward: o.reward }));
    this.baseline = c.baseline;
    this.entropy = c.entropy ?? undefined;
    this.policy.setWeights(c.policy);
    this.adam.restore(c.adam, this.policy.variables);
    if (c.reevaluation) this.reevaluation.restore(c.reevaluation);
  }

  dispose(): void {
    this.policy.dispose();
    this.adam.dispose();
  }
}
