import { setImmediate as nextTurn } from 'node:timers/promises';
import { tf } from '../tf/backend.js';
import type { NetworkSpec } from '../train/types.js';
import { quantile } from './measure.js';

/**
 * A node of a network as a latency table knows it: its kind, its input shapes, every setting its time depends on,
 * and the batch. Two nodes with one key take the same time on one machine.
 */
export function opKey(spec: NetworkSpec, i: number, batchSize: number): string {
  const node = spec.nodes[i]!;
  const inputs = node.inputs.map((j) => spec.nodes[j]!.shape.join('x')).join(',');
  const settings = (() => {
    switch (node.kind) {
      case 'conv':
        return `k${node.kernel} s${node.stride} d${node.dilation} f${node.filters}${node.bias ? ' bias' : ''}`;
      case 'dwconv':
        return `k${node.kernel} s${node.stride} d${node.dilation}`;
      case 'pool':
        return `${node.mode} ${node.size} s${node.stride} ${node.padding}`;
      case 'dense':
        return `u${node.units}${node.bias ? ' bias' : ''} ${node.activation}`;
      case 'reshape':
        return node.shape.join('x');
      default:
        return '';
    }
  })();
  return `${node.kind} ${inputs} ${settings} b${batchSize}`.replace(/ +/g, ' ');
}

export interface OpTiming {
  /** Median wall time of one run of the node alone, in milliseconds. */
  readonly medianMs: number;
  /** Coefficient of variation of the timed runs (standard deviation over mean). */
  readonly cv: number;
}

export interface OpTimingOptions {
  readonly warmup: number;
  readonly repeats: number;
}

/**
 * Times node `i` of `spec` alone: its TensorFlow.js ops (those its layer runs in inference) on random inputs of its
 * shapes and random weights. The median of the runs, which outliers do not move; the backend runs each op to the end
 * before returning (tensorflow and wasm both do), so no read-back is timed.
 */
export async function timeOp(spec: NetworkSpec, i: number, batchSize: number, options: OpTimingOptions): Promise<OpTiming> {
  const node = spec.nodes[i]!;
  const random = (shape: readonly number[]) => tf.randomUniform([...shape], 0.1, 1, 'float32', 7);
  const inputs = node.inputs.map((j) => random([batchSize, ...spec.nodes[j]!.shape]));
  const channels = (k: number) => spec.nodes[node.inputs[k]!]!.shape.at(-1)!;
  const weights: tf.Tensor[] = [];
  const weight = (shape: readonly number[]) => {
    const w = random(shape);
    weights.push(w);
    return w;
  };
  const x = inputs[0] as tf.Tensor4D;
  let run: () => tf.Tensor;
  switch (node.kind) {
    case 'input':
      throw new Error('an input node takes no time');
    case 'conv': {
      const kernel = weight([node.kernel, node.kernel, channels(0), node.filters]) as tf.Tensor4D;
      const bias = node.bias ? weight([node.filters]) : undefined;
      run = () => {
        const y = tf.conv2d(x, kernel, node.stride, 'same', 'NHWC', node.dilation);
        return bias ? tf.add(y, bias) : y;
      };
      break;
    }
    case 'dwconv': {
      const kernel = weight([node.kernel, node.kernel, channels(0), 1]) as tf.Tensor4D;
      run = () => tf.depthwiseConv2d(x, kernel, node.stride, 'same', 'NHWC', node.dilation);
      break;
    }
    case 'bn': {
      const [mean, variance, offset, scale] = [0, 1, 2, 3].map(() => weight([channels(0)]));
      run = () => tf.batchNorm(x, mean!, variance!, offset, scale, 1e-5);
      break;
    }
    case 'relu':
      run = () => tf.relu(x);
      break;
    case 'pool':
      run = () => (node.mode === 'avg' ? tf.avgPool : tf.maxPool)(x, node.size, node.stride, node.padding);
      break;
    case 'zero':
      run = () => tf.zerosLike(x);
      break;
    case 'shift':
      run = () =>
        tf.pad(tf.slice(x, [0, 1, 1, 0], [-1, -1, -1, -1]), [
          [0, 0],
          [0, 1],
          [0, 1],
          [0, 0],
        ]);
      break;
    case 'add':
      run = () => tf.addN(inputs);
      break;
    case 'multiply':
      run = () => tf.mul(inputs[0]!, inputs[1]!);
      break;
    case 'concat':
      run = () => tf.concat(inputs, -1);
      break;
    case 'gap':
      run = () => tf.mean(x, [1, 2]);
      break;
    case 'reshape':
      run = () => tf.reshape(inputs[0]!, [batchSize, ...node.shape]);
      break;
    case 'dense': {
      const kernel = weight([channels(0), node.units]) as tf.Tensor2D;
      const bias = node.bias ? weight([node.units]) : undefined;
      const activation = { linear: tf.clone, relu: tf.relu, sigmoid: tf.sigmoid, softmax: tf.softmax }[node.activation];
      run = () => {
        const y = tf.matMul(inputs[0] as tf.Tensor2D, kernel);
        return activation(bias ? tf.add(y, bias) : y);
      };
      break;
    }
  }
  try {
    const times: number[] = [];
    for (let r = 0; r < options.warmup + options.repeats; r++) {
      if (r % 16 === 0) await nextTurn();
      const start = performance.now();
      tf.tidy(() => void run());
      if (r >= options.warmup) times.push(performance.now() - start);
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const sd = Math.sqrt(times.reduce((a, t) => a + (t - mean) ** 2, 0) / times.length);
    return { medianMs: quantile(times, 0.5), cv: mean > 0 ? sd / mean : 0 };
  } finally {
    tf.dispose([...inputs, ...weights]);
  }
}
