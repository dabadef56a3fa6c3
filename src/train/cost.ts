import type { Architecture, SearchSpace } from '../space/types.js';
import { networkSpec } from './spec.js';
import { usedNodes } from './used-nodes.js';
import type { LayerNode, NetworkConfig, NetworkCost, NetworkSpec } from './types.js';

/**
 * Parameters and multiply-adds of a layer graph, without building it.
 *
 * Parameters: conv kernels (convs carry no bias except where the graph says so), depthwise kernels (no bias), dense
 * weights and biases, BN gamma/beta as trainable and BN moving mean/variance as non-trainable; `params` is their sum
 * and equals tfjs `model.countParams()`.
 *
 * MACs (multiply-adds per image): convolutions `H_out * W_out * k * k * C_in * C_out`, depthwise convolutions
 * `H_out * W_out * k * k * C`, dense layers `in * out`. Not counted: biases, BN, activations, pooling, additions,
 * concatenation and the squeeze-excite scaling (all linear in the activation size, small next to the convs).
 * Only layers that feed the output are counted, as in the built model.
 */
export function specCost(spec: NetworkSpec): NetworkCost {
  let trainable = 0;
  let nonTrainable = 0;
  let macs = 0;
  for (const id of usedNodes(spec)) {
    const node = spec.nodes[id]!;
    const inShape = node.inputs[0] === undefined ? [] : spec.nodes[node.inputs[0]]!.shape;
    const cost = layerCost(node, inShape);
    trainable += cost.trainable;
    nonTrainable += cost.nonTrainable;
    macs += cost.macs;
  }
  return { params: trainable + nonTrainable, trainableParams: trainable, nonTrainableParams: nonTrainable, macs };
}

/** One layer's trainable and non-trainable parameters and MACs, given its (first) input shape. */
export function layerCost(node: LayerNode, inShape: readonly number[]): { trainable: number; nonTrainable: number; macs: number } {
  const cin = inShape[inShape.length - 1] ?? 0;
  const outPixels = (node.shape[0] ?? 1) * (node.shape[1] ?? 1);
  switch (node.kind) {
    case 'conv': {
      const weights = node.kernel * node.kernel * cin * node.filters;
      return { trainable: weights + (node.bias ? node.filters : 0), nonTrainable: 0, macs: outPixels * weights };
    }
    case 'dwconv': {
      const weights = node.kernel * node.kernel * cin;
      return { trainable: weights, nonTrainable: 0, macs: outPixels * weights };
    }
    case 'bn':
      return { trainable: 2 * cin, nonTrainable: 2 * cin, macs: 0 };
    case 'dense':
      return { trainable: cin * node.units + (node.bias ? node.units : 0), nonTrainable: 0, macs: cin * node.units };
    default:
      return { trainable: 0, nonTrainable: 0, macs: 0 };
  }
}

/** Cost of `arch` of `space` in the network `config` describes; see `specCost` for what is counted. */
export function architectureCost(space: SearchSpace, arch: Architecture, config: NetworkConfig): NetworkCost {
  return specCost(networkSpec(space, arch, config));
}
