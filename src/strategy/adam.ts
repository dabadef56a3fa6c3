import { ValidationError } from '../util/errors.js';
import { tf } from '../tf/backend.js';

export interface AdamState {
  t: number;
  m: Record<string, number[]>;
  v: Record<string, number[]>;
}

/**
 * Adam over named tfjs variables. Written out (rather than tf.train.adam) because its moments must go into a
 * synchronous JSON checkpoint, so a restarted controller takes exactly the same next step.
 */
export class Adam {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  /** `grads` is keyed by tfjs variable name (as tf.variableGrads returns it), the moments by our own names. */
  apply(variables: ReadonlyMap<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.t += 1;
    const correction1 = 1 - this.beta1 ** this.t;
    const correction2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, variable] of variables) {
        const g = grads[variable.name];
        if (!g) continue;
        const m = this.moment(this.m, name, variable);
        const v = this.moment(this.v, name, variable);
        m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
        v.assign(v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
        const step = m.div(correction1).div(v.div(correction2).sqrt().add(this.epsilon)).mul(this.learningRate);
        variable.assign(variable.sub(step));
      }
    });
  }

  toJSON(): AdamState {
    const dump = (moments: Map<string, tf.Variable>) => Object.fromEntries([...moments].map(([k, t]) => [k, Array.from(t.dataSync())]));
    return { t: this.t, m: dump(this.m), v: dump(this.v) };
  }

  restore(state: AdamState, variables: ReadonlyMap<string, tf.Variable>): void {
    this.dispose();
    this.t = state.t;
    for (const [target, values] of [
      [this.m, state.m],
      [this.v, state.v],
    ] as const) {
      for (const [name, data] of Object.entries(values)) {
        const variable = variables.get(name);
        if (!variable) continue;
        if (data.length !== variable.size)
          throw new ValidationError(`strategy.adam.${target === this.m ? 'm' : 'v'}.${name}`, `must hold ${variable.size} numbers`);
        target.set(name, tf.variable(tf.tensor(data, variable.shape), false));
      }
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let moment = store.get(name);
    if (!moment) {
      moment = tf.variable(tf.zerosLike(like), false);
      store.set(name, moment);
    }
    return moment;
  }
}
