import { ValidationError } from '../util/errors.js';
import type { Decision, SearchSpace } from '../space/types.js';
import { tf } from '../tf/backend.js';
import type { Rng } from '../util/rng.js';
import type { PolicyDraw } from './policy-draw.js';

export interface LstmPolicyOptions {
  units: number;
  /** Logits are divided by this before the tanh squashing. */
  temperature: number;
  /** Logits become c·tanh(logits) (ENAS): bounds how peaked each decision can get; 0 disables. */
  tanhConstant: number;
}

/** Per-architecture sums over its decisions, shape [n]. */
export interface Rollout {
  logProb: tf.Tensor1D;
  entropy: tf.Tensor1D;
}

type Pick = (step: number, logits: tf.Tensor2D) => Int32Array;

/**
 * The NASNet/ENAS controller: a one-layer LSTM that emits the decisions one at a time. Each decision kind has its own
 * embedding and softmax head; "which earlier node" decisions score the earlier nodes' anchors (the LSTM state after
 * each node) by attention, v·tanh(W_anchor·anchor + W_query·h), and skip decisions score their single source node
 * the same way. A batch of n architectures is unrolled together.
 */
export class LstmPolicy {
  readonly variables = new Map<string, tf.Variable>();
  private readonly units: number;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: LstmPolicyOptions,
    rng: Rng,
  ) {
    const h = (this.units = options.units);
    const add = (name: string, shape: number[], init: 'uniform' | 'zeros' = 'uniform') => {
      if (this.variables.has(name)) return;
      const size = shape.reduce((a, b) => a * b, 1);
      // ENAS initialises the controller uniformly in [-0.1, 0.1]; drawn from our Rng so a seed fixes the policy.
      const data = Float32Array.from({ length: size }, () => (init === 'zeros' ? 0 : rng.next() * 0.2 - 0.1));
      const initial = tf.tensor(data, shape);
      this.variables.set(name, tf.variable(initial, true));
      initial.dispose();
    };
    add('go', [1, h]);
    add('lstm.kernel', [2 * h, 4 * h]);
    add('lstm.bias', [4 * h], 'zeros');
    if (space.inputNodes.length > 0) add('anchor.inputs', [space.inputNodes.length, h]);
    const attends = space.decisions.some((d) => d.selects || d.skipFrom !== undefined);
    if (attends) {
      add('attention.anchor', [h, h]);
      add('attention.query', [h, h]);
      add('attention.v', [h, 1]);
    }
    for (const d of space.decisions) {
      if (d.selects) continue;
      add(`embedding.${kindKey(d)}`, [d.choices.length, h]);
      if (d.skipFrom === undefined) {
        add(`head.${kindKey(d)}.kernel`, [h, d.choices.length]);
        add(`head.${kindKey(d)}.bias`, [d.choices.length], 'zeros');
      }
    }
  }

  /** Samples n architectures (no gradient), with the entropy along each. */
  sample(n: number, rng: Rng): PolicyDraw {
    const archs = Array.from({ length: n }, () => new Array<number>(this.space.decisions.length));
    const entropies = tf.tidy(() => {
      const rollout = this.unroll(n, (step, logits) => {
        const probs = tf.softmax(logits).dataSync();
        const c = logits.shape[1];
        const actions = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          actions[i] = rng.categorical(probs.subarray(i * c, (i + 1) * c));
          archs[i]![step] = actions[i]!;
        }
        return actions;
      });
      return Array.from(rollout.entropy.dataSync());
    });
    return { archs, entropies };
  }

  /** Log-probability and entropy of given architectures; differentiable, call inside a gradient scope. */
  evaluate(archs: readonly (readonly number[])[]): Rollout {
    const columns = this.space.decisions.map((_, t) => Int32Array.from(archs, (a) => a[t]!));
    return this.unroll(archs.length, (step) => columns[step]!);
  }

  getWeights(): Record<string, number[]> {
    return Object.fromEntries([...this.variables].map(([k, v]) => [k, Array.from(v.dataSync())]));
  }

  setWeights(weights: Record<string, number[]>): void {
    for (const [name, variable] of this.variables) {
      const data = weights[name];
      if (!data || data.length !== variable.size)
        throw new ValidationError(`strategy.policy.${name}`, `must hold this policy's ${variable.size} weights`);
      variable.assign(tf.tensor(data, variable.shape));
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }

  private unroll(n: number, pick: Pick): Rollout {
    const v = (name: string) => this.variables.get(name)!;
    const h0 = this.units;
    let c: tf.Tensor2D = tf.zeros([n, h0]);
    let h: tf.Tensor2D = tf.zeros([n, h0]);
    let x: tf.Tensor2D = tf.tile(v('go'), [n, 1]) as tf.Tensor2D;
    const anchors = new Map<number, tf.Tensor2D>();
    const keys = new Map<number, tf.Tensor2D>();
    const setAnchor = (node: number, value: tf.Tensor2D) => {
      anchors.set(node, value);
      keys.set(node, tf.matMul(value, v('attention.anchor')));
    };
    if (this.space.inputNodes.length > 0) {
      const inputs = v('anchor.inputs');
      this.space.inputNodes.forEach((node, i) => setAnchor(node, tf.tile(tf.slice(inputs, [i, 0], [1, h0]), [n, 1]) as tf.Tensor2D));
    }
    let logProb: tf.Tensor1D = tf.zeros([n]);
    let entropy: tf.Tensor1D = tf.zeros([n]);

    this.space.decisions.forEach((d, step) => {
      [c, h] = tf.basicLSTMCell(1.0, v('lstm.kernel') as tf.Tensor2D, v('lstm.bias') as tf.Tensor1D, x, c, h) as [tf.Tensor2D, tf.Tensor2D];
      let logits = this.logits(d, h, keys);
      logits = tf.div(logits, this.options.temperature);
      if (this.options.tanhConstant > 0) logits = tf.mul(tf.tanh(logits), this.options.tanhConstant);
      const logp = tf.logSoftmax(logits);
      const actions = pick(step, logits);
      const oneHot = tf.oneHot(tf.tensor1d(actions, 'int32'), d.choices.length);
      logProb = tf.add(logProb, tf.sum(tf.mul(logp, oneHot), 1));
      entropy = tf.sub(entropy, tf.sum(tf.mul(tf.exp(logp), logp), 1));
      x = d.selects
        ? (tf.sum(
            tf.mul(
              tf.stack(
                d.selects.map((id) => anchors.get(id)!),
                1,
              ),
              tf.expandDims(oneHot, 2),
            ),
            1,
          ) as tf.Tensor2D)
        : tf.matMul(oneHot, v(`embedding.${kindKey(d)}`));
      if (d.defines !== undefined) setAnchor(d.defines, h);
    });
    return { logProb, entropy };
  }

  private logits(d: Decision, h: tf.Tensor2D, keys: ReadonlyMap<number, tf.Tensor2D>): tf.Tensor2D {
    const v = (name: string) => this.variables.get(name)!;
    if (d.selects) {
      const n = h.shape[0];
      const k = d.selects.length;
      const stacked = tf.stack(
        d.selects.map((id) => keys.get(id)!),
        1,
      ); // [n, k, units]
      const query = tf.expandDims(tf.matMul(h, v('attention.query')), 1); // [n, 1, units]
      const scores = tf.matMul(tf.reshape(tf.tanh(tf.add(stacked, query)), [n * k, this.units]), v('attention.v'));
      return tf.reshape(scores, [n, k]);
    }
    if (d.skipFrom !== undefined) {
      const score = tf.matMul(tf.tanh(tf.add(keys.get(d.skipFrom)!, tf.matMul(h, v('attention.query')))), v('attention.v'));
      return tf.concat([tf.zerosLike(score), score], 1) as tf.Tensor2D;
    }
    return tf.add(tf.matMul(h, v(`head.${kindKey(d)}.kernel`)), v(`head.${kindKey(d)}.bias`));
  }
}

/** Decisions of one kind share parameters only when their choice lists have the same length. */
const kindKey = (d: Decision) => `${d.kind}/${d.choices.length}`;
