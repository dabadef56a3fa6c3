import type { LayerNode, NetworkSpec } from '../train/types.js';
import { usedNodes } from '../train/used-nodes.js';
import { OnnxAttributeType, OnnxDataType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/** A weight as tfjs keeps it: channels-last kernels ([kh, kw, in, out]; depthwise [kh, kw, c, 1]). */
export interface Weight {
  readonly values: Float32Array;
  readonly shape: readonly number[];
}

/** A node's trained weights in its tfjs layer's order, and a batch norm's epsilon. */
export interface NodeWeights {
  readonly weights: readonly Weight[];
  readonly epsilon?: number;
}

/** Opset 13: Slice, Pad and Reshape take their parameters as inputs; supported by every current runtime. */
export const ONNX_OPSET = 13;

export const ONNX_INPUT = 'images';
export const ONNX_OUTPUT = 'logits';

/**
 * nasmesh's layer graph (NetworkSpec, channels-last as tfjs runs it) as an ONNX graph. ONNX's convolutions and pools
 * are channels-first, so the images (N, H, W, C, as the tfjs model takes them) are transposed once at the input and
 * every feature map stays N, C, H, W; kernels are transposed to match. TensorFlow's 'same' padding puts the odd pixel
 * after, so pads are written out explicitly. Only the nodes the output depends on are exported. `weightsOf(i)`: node
 * i's trained weights (conv, dwconv, bn, dense).
 */
export function onnxGraph(spec: NetworkSpec, weightsOf: (node: number) => NodeWeights): OnnxModel {
  const nodes: OnnxNode[] = [];
  const initializer: OnnxTensor[] = [];
  const name = (i: number) => `n${i}`;
  const op = (opType: string, input: string[], output: string, attribute: OnnxAttribute[] = []) =>
    nodes.push({ opType, input, output: [output], name: output, attribute });
  const constant = (tensorName: string, values: Float32Array | BigInt64Array, dims: readonly number[]) => {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    const dataType = values instanceof Float32Array ? OnnxDataType.FLOAT : OnnxDataType.INT64;
    initializer.push({ name: tensorName, dims: [...dims], dataType, rawData: bytes });
    return tensorName;
  };
  const int64s = (tensorName: string, values: readonly number[]) =>
    constant(tensorName, BigInt64Array.from(values.map(BigInt)), [values.length]);

  const input = spec.nodes[0];
  if (input?.kind !== 'input') throw new Error('the network spec does not start with its input');
  const [h, w, c] = input.shape;
  op('Transpose', [ONNX_INPUT], name(0), [ints('perm', [0, 3, 1, 2])]);

  for (const i of usedNodes(spec)) {
    const node = spec.nodes[i]!;
    if (node.kind === 'input') continue;
    const x = node.inputs.map(name);
    const at = (k: number) => spec.nodes[node.inputs[k]!]!;
    const out = name(i);
    switch (node.kind) {
      case 'conv':
      case 'dwconv': {
        const [kernel, bias] = weightsOf(i).weights;
        const [, , inChannels, outChannels] = kernel!.shape;
        // tfjs [kh, kw, in, out] -> ONNX [out, in, kh, kw]; depthwise [kh, kw, c, 1] -> [c, 1, kh, kw], c groups.
        const perm = node.kind === 'conv' ? [3, 2, 0, 1] : [2, 3, 0, 1];
        const k = constant(
          `${out}.kernel`,
          transpose(kernel!, perm),
          perm.map((p) => kernel!.shape[p]!),
        );
        const b = node.kind === 'conv' && bias ? [constant(`${out}.bias`, bias.values, [outChannels!])] : [];
        op('Conv', [x[0]!, k, ...b], out, [
          ints('kernel_shape', [node.kernel, node.kernel]),
          ints('strides', [node.stride, node.stride]),
          ints('dilations', [node.dilation, node.dilation]),
          ints('pads', samePads(at(0).shape, node.kernel, node.stride, node.dilation)),
          int('group', node.kind === 'dwconv' ? inChannels! : 1),
        ]);
        break;
      }
      case 'bn': {
        const { weights, epsilon } = weightsOf(i);
        const [gamma, beta, mean, variance] = weights.map((wt, k) => constant(`${out}.${BN_WEIGHTS[k]}`, wt.values, wt.shape));
        op('BatchNormalization', [x[0]!, gamma!, beta!, mean!, variance!], out, [float('epsilon', epsilon ?? 1e-3)]);
        break;
      }
      case 'relu':
        op('Relu', x, out);
        break;
      case 'pool': {
        const pads = node.padding === 'same' ? samePads(at(0).shape, node.size, node.stride, 1) : [0, 0, 0, 0];
        const common = [ints('kernel_shape', [node.size, node.size]), ints('strides', [node.stride, node.stride]), ints('pads', pads)];
        // TensorFlow's 'same' average pool divides by the pixels inside the image, not the padded window.
        if (node.mode === 'avg') op('AveragePool', x, out, [...common, int('count_include_pad', 0)]);
        else op('MaxPool', x, out, common);
        break;
      }
      case 'zero':
        op('Mul', [x[0]!, constant(`${out}.zero`, new Float32Array([0]), [])], out);
        break;
      case 'shift': {
        // Up-left by one pixel: drop the first row and column, zero-pad the last.
        const cropped = `${out}.cropped`;
        op(
          'Slice',
          [x[0]!, int64s(`${out}.starts`, [1, 1]), int64s(`${out}.ends`, [2 ** 31 - 1, 2 ** 31 - 1]), int64s(`${out}.axes`, [2, 3])],
          cropped,
        );
        op('Pad', [cropped, int64s(`${out}.pads`, [0, 0, 0, 0, 0, 0, 1, 1])], out);
        break;
      }
      case 'add':
        op('Sum', x, out);
        break;
      case 'multiply':
        op('Mul', x, out);
        break;
      case 'concat':
        op('Concat', x, out, [int('axis', 1)]);
        break;
      case 'gap':
        op('GlobalAveragePool', x, `${out}.pooled`);
        op('Flatten', [`${out}.pooled`], out, [int('axis', 1)]);
        break;
      case 'reshape':
        reshape(at(0), node, x[0]!, out, op, int64s);
        break;
      case 'dense': {
        const [kernel, bias] = weightsOf(i).weights;
        const b = node.bias && bias ? [constant(`${out}.bias`, bias.values, bias.shape)] : [];
        const linear = node.activation === 'linear' ? out : `${out}.linear`;
        op('Gemm', [x[0]!, constant(`${out}.kernel`, kernel!.values, kernel!.shape), ...b], linear);
        if (node.activation === 'relu') op('Relu', [linear], out);
        if (node.activation === 'sigmoid') op('Sigmoid', [linear], out);
        if (node.activation === 'softmax') op('Softmax', [linear], out, [int('axis', -1)]);
        break;
      }
    }
  }
  const output = spec.nodes[spec.output]!;
  op('Identity', [name(spec.output)], ONNX_OUTPUT);
  return {
    opset: ONNX_OPSET,
    docString: 'Exported by nasmesh from its layer graph: input N x H x W x C images (as the tfjs model), output logits.',
    graph: {
      name: 'nasmesh',
      node: nodes,
      initializer,
      input: [{ name: ONNX_INPUT, shape: ['N', h!, w!, c!] }],
      output: [{ name: ONNX_OUTPUT, shape: ['N', ...output.shape] }],
    },
  };
}

const BN_WEIGHTS = ['gamma', 'beta', 'mean', 'variance'];

/**
 * A reshape between channels-last shapes, on channels-first tensors: through N, H, W, C where the spatial size is not
 * 1 (where it is, both layouts hold the elements in the same order).
 */
function reshape(
  from: LayerNode,
  to: LayerNode,
  x: string,
  out: string,
  op: (opType: string, input: string[], output: string, attribute?: OnnxAttribute[]) => void,
  int64s: (name: string, values: readonly number[]) => string,
): void {
  const spatial = (s: readonly number[]) => (s.length === 3 ? s[0]! * s[1]! : 1);
  let source = x;
  if (from.shape.length === 3 && spatial(from.shape) > 1) {
    op('Transpose', [x], `${out}.nhwc`, [ints('perm', [0, 2, 3, 1])]);
    source = `${out}.nhwc`;
  }
  if (to.shape.length !== 3) {
    op('Flatten', [source], out, [int('axis', 1)]);
    return;
  }
  const [h, w, c] = to.shape as [number, number, number];
  if (spatial(to.shape) === 1) {
    op('Reshape', [source, int64s(`${out}.shape`, [-1, c, 1, 1])], out);
    return;
  }
  op('Reshape', [source, int64s(`${out}.shape`, [-1, h, w, c])], `${out}.nhwc_out`);
  op('Transpose', [`${out}.nhwc_out`], out, [ints('perm', [0, 3, 1, 2])]);
}

/** TensorFlow's 'same' padding of an [h, w, c] input as ONNX pads [top, left, bottom, right]: the odd pixel after. */
export function samePads(shape: readonly number[], kernel: number, stride: number, dilation: number): number[] {
  const [height, width] = [shape[0]!, shape[1]!].map((size) => {
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as const;
  }) as [readonly [number, number], readonly [number, number]];
  return [height[0], width[0], height[1], width[1]];
}

/** `values` (row-major, `shape`) with its axes permuted. */
function transpose({ values, shape }: Weight, perm: readonly number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let k = 0; k < perm.length; k++) source += index[k]! * strides[perm[k]!]!;
    out[o] = values[source]!;
    for (let k = outShape.length - 1; k >= 0 && ++index[k]! === outShape[k]; k--) index[k] = 0;
  }
  return out;
}

const ints = (name: string, values: readonly number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints: values });
const int = (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i });
const float = (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f });
