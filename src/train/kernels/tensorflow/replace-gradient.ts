import * as tf from '@tensorflow/tfjs';

/** A replacement gradient: the input gradients, or null to use tfjs's own for this call. */
export type GradientOverride = (
  dy: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
) => ReturnType<tf.GradConfig['gradFunc']> | null;

const replaced = new Set<string>();

/**
 * Replaces the gradient of `kernelName` for every backend with `override`, keeping tfjs's own (same inputs and
 * outputs saved) wherever the override returns null: on backends without the native kernel it calls, or for
 * attributes that kernel does not take. Idempotent per kernel.
 */
export function replaceGradient(kernelName: string, override: GradientOverride): void {
  if (replaced.has(kernelName)) return;
  const original = tf.getGradient(kernelName);
  if (original === undefined) throw new Error(`tfjs has no ${kernelName} gradient`);
  tf.registerGradient({ ...original, gradFunc: (dy, saved, attrs) => override(dy, saved, attrs) ?? original.gradFunc(dy, saved, attrs) });
  replaced.add(kernelName);
}
