import { tf } from '../tf/backend.js';
import type { Rng } from '../util/rng.js';

/**
 * Re-initialises every convolution and dense kernel with Glorot-uniform values drawn from `rng`. tfjs-layers draws
 * its initial weights from an unseeded generator; this makes a seed fix the whole training run. Biases, batch-norm
 * parameters and statistics already start at fixed values.
 */
export function seedKernels(model: tf.LayersModel, rng: Rng): void {
  for (const layer of model.layers) {
    for (const weight of layer.trainableWeights) {
      if (!weight.name.endsWith('kernel')) continue;
      const shape = weight.shape as number[];
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const depthwise = weight.name.includes('depthwise');
      const fanIn = receptive * shape[shape.length - 2]!;
      const fanOut = receptive * (depthwise ? shape[shape.length - 2]! : shape[shape.length - 1]!);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * limit);
      const initial = tf.tensor(values, shape);
      weight.write(initial);
      initial.dispose();
    }
  }
}
