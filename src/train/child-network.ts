import type { Architecture, SearchSpace } from '../space/types.js';
import { tf } from '../tf/backend.js';
import { BatchNormLayer } from './batch-norm-layer.js';
import { ConvLayer } from './conv-layer.js';
import { specCost } from './cost.js';
import { DepthwiseConvLayer } from './depthwise-conv-layer.js';
import { networkSpec } from './spec.js';
import type { LayerNode, NetworkConfig, NetworkCost, NetworkSpec } from './types.js';
import { Zero } from './zero-layer.js';

type Sym = tf.SymbolicTensor;

export interface ChildNetwork {
  readonly model: tf.LayersModel;
  readonly spec: NetworkSpec;
  readonly cost: NetworkCost;
}

/** Builds `arch` of any space as a trainable tfjs-layers model (logits, no softmax) for the network `config`. */
export function buildChildNetwork(space: SearchSpace, arch: Architecture, config: NetworkConfig): ChildNetwork {
  const spec = networkSpec(space, arch, config);
  return { model: specToModel(spec), spec, cost: specCost(spec) };
}

/** Turns a layer graph into a tfjs-layers functional model. */
export function specToModel(spec: NetworkSpec, name = 'child'): tf.LayersModel {
  return specToLayers(spec, name).model;
}

/**
 * specToModel, with the layer that holds each node's weights (undefined for nodes without weights): how an exporter
 * finds a node's trained weights (copy them in with `model.setWeights`: the same spec gives the same weight order).
 */
export function specToLayers(spec: NetworkSpec, name = 'child'): { model: tf.LayersModel; layers: (tf.layers.Layer | undefined)[] } {
  const tensors: Sym[] = [];
  const layers: (tf.layers.Layer | undefined)[] = [];
  let input: Sym | undefined;
  for (const node of spec.nodes) {
    const ins = distinct(node.inputs.map((i) => tensors[i]!));
    const made: tf.layers.Layer[] = [];
    const out = node.kind === 'input' ? tf.input({ shape: [...node.shape] }) : apply(node, ins, made);
    if (node.kind === 'input') input = out;
    tensors.push(out);
    layers.push(made.find((l) => l.weights.length > 0));
  }
  if (input === undefined) throw new Error('the network spec has no input');
  return { model: tf.model({ inputs: input, outputs: tensors[spec.output]!, name }), layers };
}

/**
 * A layer that takes one tensor twice (a block adding in0 to itself) would make tfjs-layers' inference executor count
 * that tensor's uses wrong and dispose it while other layers still need it; a no-op reshape gives each repeat its own
 * symbolic tensor.
 */
function distinct(ins: Sym[]): Sym[] {
  return ins.map((t, i) => (ins.indexOf(t) === i ? t : (tf.layers.reshape({ targetShape: t.shape.slice(1) as number[] }).apply(t) as Sym)));
}

/** The node's output; the layers made for it are pushed to `made`. */
function apply(node: LayerNode, ins: Sym[], made: tf.layers.Layer[]): Sym {
  const one = (layer: tf.layers.Layer) => {
    made.push(layer);
    return layer.apply(ins[0]!) as Sym;
  };
  switch (node.kind) {
    case 'input':
      throw new Error('input nodes are created by specToModel');
    case 'conv':
      return one(
        new ConvLayer({
          filters: node.filters,
          kernelSize: node.kernel,
          strides: node.stride,
          dilationRate: node.dilation,
          padding: 'same',
          useBias: node.bias,
        }),
      );
    case 'dwconv':
      return one(
        new DepthwiseConvLayer({
          kernelSize: node.kernel,
          strides: node.stride,
          dilationRate: node.dilation,
          padding: 'same',
          useBias: false,
        }),
      );
    case 'bn':
      return one(new BatchNormLayer({ momentum: 0.9, epsilon: 1e-5 }));
    case 'relu':
      return one(tf.layers.reLU());
    case 'pool': {
      const args = { poolSize: node.size, strides: node.stride, padding: node.padding };
      return one(node.mode === 'avg' ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args));
    }
    case 'zero':
      return one(new Zero({}));
    case 'shift': {
      const cropped = one(
        tf.layers.cropping2D({
          cropping: [
            [1, 0],
            [1, 0],
          ],
        }),
      );
      return tf.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
        })
        .apply(cropped) as Sym;
    }
    case 'add':
      return tf.layers.add().apply(ins) as Sym;
    case 'multiply':
      return tf.layers.multiply().apply(ins) as Sym;
    case 'concat':
      return tf.layers.concatenate({ axis: -1 }).apply(ins) as Sym;
    case 'gap':
      return one(tf.layers.globalAveragePooling2d({}));
    case 'reshape':
      return one(tf.layers.reshape({ targetShape: [...node.shape] }));
    case 'dense':
      return one(tf.layers.dense({ units: node.units, useBias: node.bias, activation: node.activation }));
  }
}
