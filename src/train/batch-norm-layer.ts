import { tf } from '../tf/backend.js';
import { nativeBatchNormTraining } from './kernels/tensorflow/batch-norm.js';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type BatchNormInstance = ReturnType<typeof tf.layers.batchNormalization>;
/** tfjs-layers' BatchNormalization class: @tensorflow/tfjs exports no name for it, its serialization registry does. */
const BatchNormalizationBase = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization![0] as unknown as new (
  args?: BatchNormArgs,
) => BatchNormInstance;

/** The fields of tfjs-layers' BatchNormalization that the training path reads (private in its typings). */
interface BatchNormFields {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

/**
 * tfjs-layers' BatchNormalization, except that training over the channels of an NHWC tensor runs TensorFlow's fused
 * batch norm where the backend has it (native/batch-norm.ts). Same arithmetic, same moving-average updates, same
 * class name and config: exported models load as a plain BatchNormalization anywhere.
 */
export class BatchNormLayer extends BatchNormalizationBase {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const f = this as unknown as BatchNormFields;
    if (kwargs.training !== true || x.rank !== 4 || (f.axis !== -1 && f.axis !== 3)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const out = nativeBatchNormTraining(x as tf.Tensor4D, f.gamma.read() as tf.Tensor1D, f.beta.read() as tf.Tensor1D, f.epsilon);
      if (out === null) return super.call(inputs, kwargs) as tf.Tensor;
      // tfjs-layers' moving averages: v <- v - (v - batch) * (1 - momentum).
      for (const [variable, value] of [
        [f.movingMean, out.mean],
        [f.movingVariance, out.variance],
      ] as const) {
        const old = variable.read();
        variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - f.momentum)));
      }
      return out.y;
    });
  }
}
