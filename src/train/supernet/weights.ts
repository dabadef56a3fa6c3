import { tf } from '../../tf/backend.js';
import type { Rng } from '../../util/rng.js';

/** How a weight is initialised: He-normal on `fanIn`, constant, or uniform in ±1/sqrt(fanIn) (dense layers). */
export type WeightInit =
  | { readonly kind: 'he'; readonly fanIn: number }
  | { readonly kind: 'uniform'; readonly fanIn: number }
  | { readonly kind: 'const'; readonly value: number };

/**
 * The shared weights of a supernet: named tf.Variables, kept in creation order (so a checkpoint lists them in a
 * stable order). Variables are created unnamed: tfjs variable names are process-global, and several supernets (a
 * checkpoint reloaded next to its source, two seeded runs) must coexist. Initial values come from our Rng, filled
 * into Float32Arrays, so a seed gives the same weights on every backend.
 */
export class WeightStore {
  private readonly vars = new Map<string, tf.Variable>();
  /** tfjs variable name -> our key, to map the gradients of tf.variableGrads back. */
  private readonly byTfName = new Map<string, string>();

  constructor(private readonly rng: Rng) {}

  create(key: string, shape: readonly number[], init: WeightInit): tf.Variable {
    if (this.vars.has(key)) throw new Error(`supernet weight '${key}' exists already`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === 'const') values.fill(init.value);
    else if (init.kind === 'he') {
      const std = Math.sqrt(2 / init.fanIn);
      for (let i = 0; i < size; i++) values[i] = this.rng.normal() * std;
    } else {
      const limit = 1 / Math.sqrt(init.fanIn);
      for (let i = 0; i < size; i++) values[i] = (2 * this.rng.next() - 1) * limit;
    }
    const initial = tf.tensor(values, [...shape], 'float32');
    const v = tf.variable(initial, true);
    // The variable holds its own reference to the values; without this every supernet built would leak them.
    initial.dispose();
    this.vars.set(key, v);
    this.byTfName.set(v.name, key);
    return v;
  }

  get(key: string): tf.Variable {
    const v = this.vars.get(key);
    if (v === undefined) throw new Error(`no supernet weight '${key}'`);
    return v;
  }

  has(key: string): boolean {
    return this.vars.has(key);
  }

  keyOf(tfName: string): string | undefined {
    return this.byTfName.get(tfName);
  }

  keys(): string[] {
    return [...this.vars.keys()];
  }

  entries(): [string, tf.Variable][] {
    return [...this.vars.entries()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Total number of scalars. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.byTfName.clear();
  }
}
