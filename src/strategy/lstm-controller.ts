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
    units: z.number().int().min(1).default(64).describe("The LSTM's hidden units."),
    temperature: z.number().positive().default(1).describe('Divides the logits before sampling (ENAS).'),
    tanhConstant: z
      .number()
      .min(0)
      .default(2.5)
      .describe('Logits are c·tanh(logits/c) (ENAS: 1.1; 0 turns it off); 2.5 lets decisions sharpen.'),
    learningRate: z.number().positive().optional().describe("Adam's step size; default 0.03 for REINFORCE, 0.02 for PPO."),
    baselineDecay: z.number().min(0).max(1).default(0.9).describe("Decay of the rewards' moving-average baseline."),
    entropyWeight: z.number().min(0).default(1e-4).describe('Weight of the entropy bonus in the loss.'),
    batchSize: z.number().int().min(1).default(10).describe('Observations per policy update.'),
    rewardTransform: z
      .enum(REWARD_TRANSFORMS)
      .default('rank')
      .describe("What the policy learns from: rank (each reward's quantile among all so far: any reward scale) or raw."),
    replay: z
      .object({
        top: z.number().int().min(0).default(5).describe('The best architectures seen replayed in every update (0: none).'),
        weight: z.number().min(0).default(1).describe('Weight of each replayed architecture against 1 for a fresh one.'),
      })
      .strict()
      .default({ top: 5, weight: 1 })
      .describe('Elite replay: every update also learns from the best architectures seen.'),
    incumbentEvaluations: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'Evaluations of the incumbent (the best mean reward observed) where the reward is noisy, its first included; 1 never repeats one. A repeat costs an evaluation; where the first comes back identical (a noise-free reward) none follows. Used by nasmesh bench.',
      ),
    clip: z.number().positive().max(1).default(0.2).describe("PPO only: the clipping ε of the surrogate's probability ratio."),
    epochs: z.number().int().min(1).default(2).describe('PPO only: passes over each batch.'),
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
          this.step(() => ppoLoss(this.policy.evaluate(archs), oldLogProb, adv, w, this.options.clip, this.options.entropyWeight), vars);
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
