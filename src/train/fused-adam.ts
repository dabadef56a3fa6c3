import { tf } from '../tf/backend.js';

/**
 * Adam whose update runs as one plain loop per variable on copies kept in JavaScript. tf.train.adam issues about ten
 * tensor ops per variable per step; a child network has hundreds of small variables, so on the wasm backend those
 * kernel calls cost more than the update's arithmetic. Here each variable costs one read of its gradient and one
 * write of its new value.
 */
export class FusedAdam {
  private t = 0;
  private readonly slots = new Map<tf.Variable, { w: Float32Array; m: Float32Array; v: Float32Array }>();

  constructor(
    private learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {}

  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }

  /** One training step: the loss's gradients for every trainable variable it reads, then the Adam update. Returns the loss. */
  minimize(loss: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(loss);
    try {
      const registry = tf.engine().registeredVariables;
      const names = Object.keys(grads);
      this.step(
        names.map((name) => registry[name]!),
        names.map((name) => grads[name]!.dataSync() as Float32Array),
      );
      return value.dataSync()[0]!;
    } finally {
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    }
  }

  /** The Adam update of `variables` with the given gradients (same order), e.g. averaged over data-parallel workers. */
  step(variables: readonly tf.Variable[], grads: readonly Float32Array[]): void {
    this.t += 1;
    variables.forEach((variable, i) => this.update(variable, grads[i]!));
  }

  dispose(): void {
    this.slots.clear();
  }

  private update(variable: tf.Variable, g: Float32Array): void {
    let slot = this.slots.get(variable);
    if (!slot) {
      slot = { w: (variable.dataSync() as Float32Array).slice(), m: new Float32Array(g.length), v: new Float32Array(g.length) };
      this.slots.set(variable, slot);
    }
    const { w, m, v } = slot;
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    // Exactly tf.train.adam's arithmetic: lr * m^ / (sqrt(v^) + epsilon) with bias-corrected moments.
    for (let i = 0; i < g.length; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
    // assign() takes its own reference to the data; the wrapper tensor must go, or every step leaks the weights.
    const value = tf.tensor(w, variable.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
}
