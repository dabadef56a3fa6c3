import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** The parts of tfjs-backend-wasm's BackendWasm that the training kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

const builtins = new Map<string, tf.KernelFunc>();

/** The wasm backend's own kernel function for `name`, captured before any of ours replaced it. */
export function builtinKernel(name: string): tf.KernelFunc {
  let fn = builtins.get(name);
  if (fn === undefined) {
    const cfg = tf.getKernel(name, 'wasm');
    if (cfg === undefined) throw new Error(`wasm backend has no kernel ${name}`);
    fn = cfg.kernelFunc;
    builtins.set(name, fn);
  }
  return fn;
}

/** Remembers the built-in kernel (if any) before it is unregistered, so it stays callable. */
export function rememberBuiltin(name: string): void {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg !== undefined && !builtins.has(name)) builtins.set(name, cfg.kernelFunc);
}

export function hasBuiltin(name: string): boolean {
  return builtins.has(name) || tf.getKernel(name, 'wasm') !== undefined;
}

export function call(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const out = builtinKernel(name)({
    inputs,
    backend: backend as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  });
  if (Array.isArray(out)) throw new Error(`${name} returned several outputs`);
  return out;
}

export function f32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(info);
  if (!(a instanceof Float32Array)) throw new Error(`expected float32 tensor, got ${info.dtype}`);
  return a;
}

export function release(backend: WasmBackendLike, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function pair(v: number | [number, number] | undefined, dflt = 1): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

export function dim(shape: readonly number[], i: number): number {
  const v = shape[i];
  if (v === undefined) throw new Error(`shape ${JSON.stringify(shape)} has no dimension ${i}`);
  return v;
}

/**
 * Writes the stride-dilated, padded copy of `src` ([N, Ho, Wo, C]) into `dst` ([N, Hp, Wp, C]): element (oh, ow)
 * lands at (top + oh*sh, left + ow*sw); positions outside [0, Hp) x [0, Wp) are dropped (negative padding).
 */
export function scatterDilated(
  src: Float32Array,
  dst: Float32Array,
  n: number,
  ho: number,
  wo: number,
  c: number,
  hp: number,
  wp: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
): void {
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const r = top + oh * sh;
      if (r < 0 || r >= hp) continue;
      const srcRow = (b * ho + oh) * wo * c;
      const dstRow = (b * hp + r) * wp * c;
      for (let ow = 0; ow < wo; ow++) {
        const col = left + ow * sw;
        if (col < 0 || col >= wp) continue;
        dst.set(src.subarray(srcRow + ow * c, srcRow + ow * c + c), dstRow + col * c);
      }
    }
  }
}
