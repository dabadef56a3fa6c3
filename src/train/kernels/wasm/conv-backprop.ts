import * as tf from '@tensorflow/tfjs';
import { call, dim, f32, pair, release, scatterDilated, type Pad, type Rounding, type WasmBackendLike } from './wasm-helpers.js';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function convInfoFor(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number] | undefined,
  pad: Pad,
  rounding: Rounding,
  depthwise: boolean,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): ConvInfo {
  if (dataFormat !== 'NHWC') throw new Error(`wasm training kernels support NHWC only, got ${dataFormat}`);
  return tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, pair(dilations), pad, rounding, depthwise, 'channelsLast');
}

/** Copies the filter block of tap (kh, kw), already in the layout the forward kernel needs, to dst at offset. */
type TapWriter = (src: Float32Array, kh: number, kw: number, dst: Float32Array, offset: number) => void;

interface ForwardSpec {
  kernel: 'Conv2D' | 'DepthwiseConv2dNative';
  /** Shape of a rotated filter with th x tw taps. */
  filterShape: (th: number, tw: number) => number[];
  /** Channels of the forward result. */
  outChannels: number;
  tapSize: number;
  writeTap: TapWriter;
}

/** A forward-kernel filter holding taps (r0 + s*(th-1-a), c0 + s*(tw-1-b)) at (a, b): the rotated (sub)filter. */
function rotatedFilter(
  backend: WasmBackendLike,
  filter: tf.TensorInfo,
  spec: ForwardSpec,
  th: number,
  tw: number,
  r0: number,
  c0: number,
  sh: number,
  sw: number,
): tf.TensorInfo {
  const rot = backend.makeOutput(spec.filterShape(th, tw), 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, rot);
  for (let a = 0; a < th; a++) {
    for (let b = 0; b < tw; b++) {
      spec.writeTap(src, r0 + sh * (th - 1 - a), c0 + sw * (tw - 1 - b), dst, (a * tw + b) * spec.tapSize);
    }
  }
  return rot;
}

const FWD_ATTRS = { dataFormat: 'NHWC', dimRoundingMode: undefined };

/**
 * dx of a strided convolution, one forward convolution per output phase (sub-pixel decomposition): the input rows
 * i with (i + padTop) % s == r receive only the taps k == r (mod s), so each phase is a stride-1 convolution of dy
 * with a sub-filter, no zeros inserted. Returns null when a phase would need negative padding.
 */
function inputGradByPhases(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: ConvInfo,
  spec: ForwardSpec,
): tf.TensorInfo | null {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  interface Phase {
    r: number;
    taps: number;
    lo: number;
    count: number;
    padBefore: number;
    padAfter: number;
  }
  const phases = (s: number, k: number, p: number, size: number, outSize: number): Phase[] | null => {
    const res: Phase[] = [];
    for (let r = 0; r < s; r++) {
      const taps = Math.max(0, Math.ceil((k - r) / s));
      const lo = Math.ceil((p - r) / s);
      const hi = Math.floor((size - 1 + p - r) / s);
      const count = hi - lo + 1;
      if (count <= 0) continue;
      const padBefore = taps - 1 - lo;
      const padAfter = count + taps - 1 - padBefore - outSize;
      if (taps > 0 && (padBefore < 0 || padAfter < 0)) return null;
      res.push({ r, taps, lo, count, padBefore, padAfter });
    }
    return res;
  };
  const rows = phases(sh, fh, pt, h, ho);
  const cols = phases(sw, fw, pl, w, wo);
  if (rows === null || cols === null) return null;
  const oc = spec.outChannels;
  const out = backend.makeOutput([n, h, w, oc], 'float32');
  f32(backend, out).fill(0);
  for (const pr of rows) {
    for (const pc of cols) {
      if (pr.taps === 0 || pc.taps === 0) continue;
      const rot = rotatedFilter(backend, filter, spec, pr.taps, pc.taps, pr.r, pc.r, sh, sw);
      const pad = [
        [0, 0],
        [pr.padBefore, pr.padAfter],
        [pc.padBefore, pc.padAfter],
        [0, 0],
      ];
      const part = call(spec.kernel, backend, { x: dy, filter: rot }, { ...FWD_ATTRS, strides: [1, 1], dilations: [1, 1], pad });
      const src = f32(backend, part);
      const dst = f32(backend, out);
      for (let b = 0; b < n; b++) {
        for (let u = 0; u < pr.count; u++) {
          const i = (u + pr.lo) * sh + pr.r - pt;
          const srcRow = (b * pr.count + u) * pc.count;
          const dstRow = (b * h + i) * w;
          for (let v = 0; v < pc.count; v++) {
            const j = (v + pc.lo) * sw + pc.r - pl;
            const s0 = (srcRow + v) * oc;
            dst.set(src.subarray(s0, s0 + oc), (dstRow + j) * oc);
          }
        }
      }
      release(backend, rot, part);
    }
  }
  return out;
}

/**
 * dx of a convolution as a forward convolution (stride 1, same dilation) of the output gradient (stride-dilated and
 * padded so that a 'valid' convolution has the input's size) with the rotated filter. Strided convolutions without
 * dilation go through the cheaper per-phase decomposition.
 */
function inputGradViaForward(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: ConvInfo,
  spec: ForwardSpec,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  if ((sh > 1 || sw > 1) && dh === 1 && dw === 1) {
    const out = inputGradByPhases(backend, dy, filter, info, spec);
    if (out !== null) return out;
  }
  const c = dim(dy.shape, 3);
  const eh = (fh - 1) * dh;
  const ew = (fw - 1) * dw;
  const top = eh - info.padInfo.top;
  const left = ew - info.padInfo.left;
  const hp = h + eh;
  const wp = w + ew;
  const rot = rotatedFilter(backend, filter, spec, fh, fw, 0, 0, 1, 1);
  const attrs = { ...FWD_ATTRS, strides: [1, 1], dilations: [dh, dw] };
  let out: tf.TensorInfo | null = null;
  if (sh === 1 && sw === 1) {
    const bottom = hp - top - ho;
    const right = wp - left - wo;
    if (top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
      const pad = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      out = call(spec.kernel, backend, { x: dy, filter: rot }, { ...attrs, pad });
    }
  }
  if (out === null) {
    const padded = backend.makeOutput([n, hp, wp, c], 'float32');
    scatterDilated(f32(backend, dy), f32(backend, padded), n, ho, wo, c, hp, wp, sh, sw, top, left);
    out = call(spec.kernel, backend, { x: padded, filter: rot }, { ...attrs, pad: 'valid' });
    release(backend, padded);
  }
  release(backend, rot);
  return out;
}

/** The attributes every convolution-gradient kernel receives from tfjs. */
interface ConvGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  dilations?: number | [number, number];
}

interface BackpropInputArgs {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: ConvGradAttrs & { inputShape: [number, number, number, number] };
}

/** Conv2DBackpropInput: forward Conv2D of the padded output gradient with the rotated, in/out-swapped filter. */
export function conv2DBackpropInput({ inputs, backend, attrs }: BackpropInputArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const fshape = filter.shape as [number, number, number, number];
  const info = convInfoFor(
    attrs.inputShape,
    fshape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
  const [, fw, ci, co] = fshape;
  const spec: ForwardSpec = {
    kernel: 'Conv2D',
    filterShape: (th, tw) => [th, tw, co, ci],
    outChannels: ci,
    tapSize: ci * co,
    writeTap: (src, kh, kw, dst, offset) => {
      const s0 = (kh * fw + kw) * ci * co;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[offset + o * ci + i] = src[s0 + i * co + o]!;
      }
    },
  };
  const out = inputGradViaForward(backend, dy, filter, info, spec);
  return out;
}

/** DepthwiseConv2dNativeBackpropInput: forward depthwise conv of the padded gradient with the rotated filter. */
export function depthwiseBackpropInput({ inputs, backend, attrs }: BackpropInputArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const fshape = filter.shape as [number, number, number, number];
  const info = convInfoFor(attrs.inputShape, fshape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const [, fw, c, m] = fshape;
  const cm = c * m;
  // Filters [th, tw, C*M, 1]: channel c*M+j of dy is convolved with filter[.., c, j]; the M parts are summed below.
  const spec: ForwardSpec = {
    kernel: 'DepthwiseConv2dNative',
    filterShape: (th, tw) => [th, tw, cm, 1],
    outChannels: cm,
    tapSize: cm,
    writeTap: (src, kh, kw, dst, offset) => {
      const s0 = (kh * fw + kw) * cm;
      dst.set(src.subarray(s0, s0 + cm), offset);
    },
  };
  const full = inputGradViaForward(backend, dy, filter, info, spec);
  if (m === 1) return full;
  const { batchSize: n, inHeight: h, inWidth: w } = info;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const a = f32(backend, full);
  const b = f32(backend, out);
  const pixels = n * h * w;
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < c; k++) {
      let s = 0;
      const base = p * cm + k * m;
      for (let j = 0; j < m; j++) s += a[base + j]!;
      b[p * c + k] = s;
    }
  }
  release(backend, full);
  return out;
}

interface BackpropFilterArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: ConvGradAttrs & { filterShape: [number, number, number, number] };
}

/**
 * Conv2DBackpropFilter with the roles transposed: the input with channels as batch and batch as channels
 * ([Ci, H, W, N]) convolved with the output gradient as filter ([Ho, Wo, N, Co]), the forward stride becoming the
 * dilation and the dilation the stride, gives [Ci, fh, fw, Co]; a small transpose finishes it.
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: BackpropFilterArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const info = convInfoFor(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
  const [fh, fw, ci, co] = attrs.filterShape;
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = Math.max(0, (fh - 1) * dh + (ho - 1) * sh + 1 - h - top);
  const right = Math.max(0, (fw - 1) * dw + (wo - 1) * sw + 1 - w - left);
  const xT = call('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = call('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const g = call(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [dh, dw],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  );
  release(backend, xT, dyT);
  const gh = dim(g.shape, 1);
  const gw = dim(g.shape, 2);
  const out = backend.makeOutput([fh, fw, ci, co], 'float32');
  const src = f32(backend, g);
  const dst = f32(backend, out);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      for (let i = 0; i < ci; i++) {
        const s0 = ((i * gh + kh) * gw + kw) * co;
        dst.set(src.subarray(s0, s0 + co), ((kh * fw + kw) * ci + i) * co);
      }
    }
  }
  release(backend, g);
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropFilter: a direct loop (NHWC). For each output row and filter tap, every channel's
 * products along the row are summed in a local variable (two, for instruction-level parallelism) before one update of
 * the accumulator, so the inner loop is two loads and a multiply-add; the x rows and dy row of one output row stay
 * in cache across the taps.
 */
export function depthwiseBackpropFilter({ inputs, backend, attrs }: BackpropFilterArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const info = convInfoFor(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [fh, fw, c, m] = attrs.filterShape;
  const cm = c * m;
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(fh * fw * cm);
  const xa = f32(backend, x);
  const ga = f32(backend, dy);
  // Per kw: the input column offset and the output columns ow with 0 <= ow*sw + off < w.
  const offs = new Int32Array(fw);
  const lo = new Int32Array(fw);
  const hi = new Int32Array(fw);
  for (let kw = 0; kw < fw; kw++) {
    const off = kw * dw - left;
    offs[kw] = off;
    lo[kw] = Math.max(0, Math.ceil(-off / sw));
    hi[kw] = Math.min(wo, Math.floor((w - 1 - off) / sw) + 1);
  }
  const xStep = sw * c; // x elements between consecutive output columns
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const gRow = (b * ho + oh) * wo * cm;
      for (let kh = 0; kh < fh; kh++) {
        const ih = oh * sh + kh * dh - top;
        if (ih < 0 || ih >= h) continue;
        const xRow = (b * h + ih) * w;
        for (let kw = 0; kw < fw; kw++) {
          const owLo = lo[kw]!;
          const cnt = hi[kw]! - owLo;
          if (cnt <= 0) continue;
          const aBase = (kh * fw + kw) * cm;
          const x0 = (xRow + owLo * sw + offs[kw]!) * c;
          const g0 = gRow + owLo * cm;
          const half = cnt >> 1;
          for (let k = 0; k < c; k++) {
            for (let j = 0; j < m; j++) {
              let xi = x0 + k;
              let gi = g0 + k * m + j;
              let s0 = 0;
              let s1 = 0;
              for (let t = 0; t < half; t++) {
                s0 += xa[xi]! * ga[gi]!;
                s1 += xa[xi + xStep]! * ga[gi + cm]!;
                xi += 2 * xStep;
                gi += 2 * cm;
              }
              if (cnt & 1) s0 += xa[xi]! * ga[gi]!;
              const a = aBase + k * m + j;
              acc[a] = acc[a]! + s0 + s1;
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput([fh, fw, c, m], 'float32');
  f32(backend, out).set(acc);
  return out;
}
