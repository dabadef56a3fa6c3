import { tf } from '../tf/backend.js';

/** Outputs zeros shaped like its input (NAS-Bench-201 'none'); no weights. */
export class Zero extends tf.layers.Layer {
  static readonly className = 'NasmeshZero';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.zerosLike(x);
  }
}
tf.serialization.registerClass(Zero);
