import { tf } from '../tf/backend.js';

/**
 * A depthwise filter [kh, kw, C, M] dilated by `rate`: zeros between its taps, [(kh-1)*rh+1, (kw-1)*rw+1, C, M], built
 * with differentiable ops. A plain depthwise convolution with it is the dilated one, which is the only way to run a
 * dilated depthwise convolution everywhere: tfjs has no gradient for it, and TensorFlow's CPU kernel refuses
 * dilations unless oneDNN is on (by default only on CPUs with AVX-512's neural-network extensions or AMX).
 */
export function dilateDepthwiseFilter(w: tf.Tensor4D, [rh, rw]: readonly [number, number]): tf.Tensor4D {
  if (rh === 1 && rw === 1) return w;
  const [kh, kw, c, m] = w.shape;
  const dh = (kh - 1) * rh + 1;
  const dw = (kw - 1) * rw + 1;
  // rows: [kh, 1, kw*C*M] padded to [kh, rh, ...] lays rh-1 zero rows after each; the last ones are dropped.
  const rows = tf.slice(
    tf.reshape(
      tf.pad(tf.reshape(w, [kh, 1, kw * c * m]), [
        [0, 0],
        [0, rh - 1],
        [0, 0],
      ]),
      [kh * rh, kw * c * m],
    ),
    0,
    dh,
  );
  // columns likewise, within each row.
  const cols = tf.pad(tf.reshape(rows, [dh, kw, 1, c * m]), [
    [0, 0],
    [0, 0],
    [0, rw - 1],
    [0, 0],
  ]);
  return tf.reshape(tf.slice(tf.reshape(cols, [dh, kw * rw, c * m]), [0, 0, 0], [dh, dw, c * m]), [dh, dw, c, m]);
}

type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];
type DepthwiseInstance = ReturnType<typeof tf.layers.depthwiseConv2d>;
/** tfjs-layers' DepthwiseConv2D class: @tensorflow/tfjs exports no name for it, its serialization registry does. */
const DepthwiseConv2DBase = tf.serialization.SerializationMap.getMap().classNameMap.DepthwiseConv2D![0] as unknown as new (
  args: DepthwiseArgs,
) => DepthwiseInstance;

/** The fields of tfjs-layers' DepthwiseConv2D that a dilated call reads (private in its typings). */
interface DepthwiseFields {
  readonly depthwiseKernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dataFormat: 'channelsFirst' | 'channelsLast';
  readonly dilationRate: [number, number];
  readonly activation: { apply(x: tf.Tensor): tf.Tensor };
}

/**
 * tfjs-layers' DepthwiseConv2D, except that it applies its `dilationRate`, which tfjs-layers accepts, saves and then
 * ignores: its call convolves undilated. Same class name and config, so an exported model means in Keras what it
 * computed here, and this class, registered under that name, loads it in nasmesh.
 */
export class DepthwiseConvLayer extends DepthwiseConv2DBase {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as DepthwiseFields;
    if (f.dilationRate[0] === 1 && f.dilationRate[1] === 1) return super.call(inputs, kwargs);
    if (f.dataFormat !== 'channelsLast') throw new Error(`${this.name}: dilationRate > 1 needs dataFormat channelsLast`);
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const filter = dilateDepthwiseFilter(f.depthwiseKernel.read() as tf.Tensor4D, f.dilationRate);
      const y = tf.depthwiseConv2d(x, filter, f.strides, f.padding);
      return f.activation.apply(f.bias ? tf.add(y, f.bias.read()) : y);
    });
  }
}
tf.serialization.SerializationMap.register(
  DepthwiseConvLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);
