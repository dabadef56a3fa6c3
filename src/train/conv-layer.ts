import { tf } from '../tf/backend.js';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type ConvInstance = ReturnType<typeof tf.layers.conv2d>;
/** tfjs-layers' Conv2D class: @tensorflow/tfjs exports no name for it, its serialization registry does. */
const Conv2DBase = tf.serialization.SerializationMap.getMap().classNameMap.Conv2D![0] as unknown as new (args: ConvArgs) => ConvInstance;

/** The fields of tfjs-layers' Conv2D that the call reads (private in its typings). */
interface ConvFields {
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dataFormat: 'channelsFirst' | 'channelsLast';
  readonly dilationRate: [number, number];
  readonly activation: { getClassName(): string };
}

/**
 * tfjs-layers' Conv2D, except that without bias, activation or dilation it calls tf.conv2d instead of tfjs's fused
 * conv2d. The forward kernel is the same, but the fused op's gradient computes the input's gradient whether or not
 * anything needs it, while conv2d's gives each input's on demand: a stem convolution on the images saves its input
 * gradient, 5.8 ms of a 290 ms enas-micro training step on one thread. Same class name and config, so exported models
 * load as a plain Conv2D.
 */
export class ConvLayer extends Conv2DBase {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as ConvFields;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const undilated = f.dilationRate[0] === 1 && f.dilationRate[1] === 1;
    const plain =
      f.bias === null && f.activation.getClassName() === 'linear' && f.dataFormat === 'channelsLast' && undilated && x.rank === 4;
    if (!plain) return super.call(inputs, kwargs);
    return tf.tidy(() => tf.conv2d(x as tf.Tensor4D, f.kernel.read() as tf.Tensor4D, f.strides, f.padding));
  }
}
