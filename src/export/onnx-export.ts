import { tf } from '../tf/backend.js';
import { specToLayers } from '../train/child-network.js';
import type { NetworkSpec } from '../train/types.js';
import { type NodeWeights, onnxGraph } from './onnx-graph.js';
import { encodeOnnxModel } from './onnx-proto.js';

/** Where a results directory keeps the ONNX model, beside the tfjs one (`model/model.json`). */
export const ONNX_MODEL_FILE = 'model/model.onnx';

/**
 * `trained` (built from `spec`: a retrained network, or one loaded from its tfjs files) as an ONNX model's bytes. The
 * graph comes from the spec and each node's weights from the layer that `spec` gives it: the weights are copied into a
 * model built afresh from the spec, whose weight order is the trained model's.
 */
export function onnxModelBytes(spec: NetworkSpec, trained: tf.LayersModel): Uint8Array {
  const { model, layers } = specToLayers(spec, 'onnx_export');
  try {
    const weights = trained.getWeights();
    const expected = model.weights.map((w) => w.shape.join('x'));
    const found = weights.map((w) => w.shape.join('x'));
    if (expected.join() !== found.join()) {
      throw new Error(`the model's weights (${found.length}) are not those of this architecture in this network (${expected.length})`);
    }
    model.setWeights(weights);
    const weightsOf = (i: number): NodeWeights => {
      const layer = layers[i];
      if (!layer) throw new Error(`node ${i} of the network has no weights`);
      const { epsilon } = layer.getConfig() as { epsilon?: number };
      const values = layer.getWeights().map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
      return { weights: values, ...(epsilon !== undefined ? { epsilon } : {}) };
    };
    return encodeOnnxModel(onnxGraph(spec, weightsOf));
  } finally {
    model.dispose();
  }
}
