import * as tf from '@tensorflow/tfjs';
import { f32, type WasmBackendLike } from './wasm-helpers.js';

interface PoolGradArgs {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
}

/** The valid input rows [h0, h1) and columns [w0, w1) of one output position's window; `o` is its NHWC offset. */
interface Window {
  b: number;
  o: number;
  h0: number;
  h1: number;
  w0: number;
  w1: number;
}

/** Calls `visit` for every output position of the pool, in NHWC order. */
function forEachWindow(args: PoolGradArgs, visit: (win: Window) => void): void {
  const shape = args.inputs.input.shape as [number, number, number, number];
  const { attrs } = args;
  const info = tf.backend_util.computePool2DInfo(shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const win: Window = { b: 0, o: 0, h0: 0, h1: 0, w0: 0, w1: 0 };
  for (let b = 0; b < n; b++) {
    win.b = b;
    for (let oh = 0; oh < ho; oh++) {
      win.h0 = Math.max(0, oh * sh - top);
      win.h1 = Math.min(h, oh * sh - top + fh);
      for (let ow = 0; ow < wo; ow++) {
        win.w0 = Math.max(0, ow * sw - left);
        win.w1 = Math.min(w, ow * sw - left + fw);
        win.o = ((b * ho + oh) * wo + ow) * c;
        visit(win);
      }
    }
  }
}

function gradBuffers(args: PoolGradArgs) {
  const { inputs, backend } = args;
  const [, h, w, c] = inputs.input.shape as [number, number, number, number];
  const out = backend.makeOutput([...inputs.input.shape], 'float32');
  const dx = f32(backend, out);
  dx.fill(0);
  return { out, dx, dy: f32(backend, inputs.dy), h, w, c };
}

/**
 * MaxPoolGrad as channel-contiguous loops. The wasm backend's own kernel took 6.5 ms on 64x14x14x16 (3x3, stride 1,
 * 'same'), a large share of a child network's step. The gradient goes to the first maximum of each window in scan
 * order, as in tfjs's cpu backend.
 */
export function maxPoolGrad(args: PoolGradArgs): tf.TensorInfo {
  const { out, dx, dy, h, w, c } = gradBuffers(args);
  const x = f32(args.backend, args.inputs.input);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  forEachWindow(args, ({ b, o, h0, h1, w0, w1 }) => {
    best.fill(-Infinity);
    at.fill(-1);
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const i = ((b * h + ih) * w + iw) * c;
        for (let k = 0; k < c; k++) {
          const v = x[i + k]!;
          if (v > best[k]!) {
            best[k] = v;
            at[k] = i + k;
          }
        }
      }
    }
    for (let k = 0; k < c; k++) {
      const i = at[k]!;
      if (i >= 0) dx[i] = dx[i]! + dy[o + k]!;
    }
  });
  return out;
}

/**
 * AvgPoolGrad as channel-contiguous loops. Each output spreads its gradient over the input pixels its window
 * averaged, divided by their number: the exact gradient of tfjs's average pool, which leaves padding out of the
 * count. (tfjs's own gradient divides by the full window size, which is wrong at 'same'-padded borders.)
 */
export function avgPoolGrad(args: PoolGradArgs): tf.TensorInfo {
  const { out, dx, dy, h, w, c } = gradBuffers(args);
  forEachWindow(args, ({ b, o, h0, h1, w0, w1 }) => {
    const scale = 1 / ((h1 - h0) * (w1 - w0));
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const i = ((b * h + ih) * w + iw) * c;
        for (let k = 0; k < c; k++) dx[i + k] = dx[i + k]! + dy[o + k]! * scale;
      }
    }
  });
  return out;
}
