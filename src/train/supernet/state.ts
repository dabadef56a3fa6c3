import { tf } from '../../tf/backend.js';
import type { Supernet } from './supernet.js';

/** One tensor in a checkpoint's weights: float32, `offset` and `length` in elements. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

/**
 * What a supernet checkpoint records besides the float32 values themselves: the table of contents of those values
 * and the optimiser's progress. Shared by the directory checkpoint (checkpoint.ts) and the bytes form (bytes.ts), so
 * both hold the same thing.
 */
export interface SupernetState {
  readonly steps: number;
  readonly learningRate: number;
  readonly space: { readonly blocks: number; readonly ops: readonly string[] };
  readonly weights: TensorEntry[];
  /** SGD momentum buffers, keyed by weight name. */
  readonly momentum: TensorEntry[];
}

/** Weights and momentum of `net` laid end to end in one Float32Array, with their table of contents. */
export function packSupernet(net: Supernet): { state: SupernetState; data: Float32Array } {
  const tensors: [string, tf.Tensor, 'w' | 'm'][] = [
    ...net.store.entries().map(([k, v]): [string, tf.Tensor, 'w'] => [k, v, 'w']),
    ...net.momentumEntries().map(([k, m]): [string, tf.Tensor, 'm'] => [k, m, 'm']),
  ];
  const data = new Float32Array(tensors.reduce((n, [, t]) => n + t.size, 0));
  const weights: TensorEntry[] = [];
  const momentum: TensorEntry[] = [];
  let offset = 0;
  for (const [name, t, kind] of tensors) {
    data.set(t.dataSync() as Float32Array, offset);
    (kind === 'w' ? weights : momentum).push({ name, shape: [...t.shape], offset, length: t.size });
    offset += t.size;
  }
  const state: SupernetState = {
    steps: net.steps,
    learningRate: net.learningRate,
    space: { blocks: net.space.config.blocks, ops: [...net.space.config.ops] },
    weights,
    momentum,
  };
  return { state, data };
}

/**
 * Restores what packSupernet took into `net`, which must have the same structure (same space, config): every weight
 * name and shape must match. Everything is checked before anything changes, so a bad checkpoint leaves `net` as it
 * was. `source` names the values in errors.
 */
export function unpackSupernet(net: Supernet, state: SupernetState, data: Float32Array, source: string): void {
  const keys = net.store.keys();
  const names = new Set(state.weights.map((e) => e.name));
  const missing = keys.filter((k) => !names.has(k));
  if (missing.length > 0 || names.size !== keys.length) {
    throw new Error(
      `checkpoint does not match the supernet (missing ${missing.slice(0, 3).join(', ') || 'none'}, ` +
        `${state.weights.length} saved vs ${keys.length} weights)`,
    );
  }
  const slice = (e: TensorEntry): Float32Array => {
    if (e.offset + e.length > data.length || e.length !== e.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`checkpoint entry '${e.name}' lies outside ${source} or has a bad shape`);
    }
    return data.subarray(e.offset, e.offset + e.length);
  };
  for (const e of state.weights) {
    const v = net.store.get(e.name);
    if (v.shape.join() !== e.shape.join()) throw new Error(`weight '${e.name}': shape [${e.shape}] vs [${v.shape}]`);
    slice(e);
  }
  for (const e of state.momentum) {
    if (net.store.get(e.name).shape.join() !== e.shape.join()) throw new Error(`momentum '${e.name}': bad shape`);
    slice(e);
  }
  for (const e of state.weights) {
    const t = tf.tensor(slice(e), e.shape, 'float32');
    net.store.get(e.name).assign(t);
    t.dispose();
  }
  net.setMomentum(state.momentum.map((e) => [e.name, tf.tensor(slice(e), e.shape, 'float32')] as const));
  net.steps = state.steps;
  net.learningRate = state.learningRate;
}

/** Checkpoints store float32 in the host's byte order, which they assume is little-endian (as every target is). */
export function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('supernet checkpoints assume a little-endian host');
}
