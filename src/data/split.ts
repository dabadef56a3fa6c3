import type { Rng } from '../util/rng.js';
import type { Split } from './types.js';

/**
 * `size` sample indices drawn per class in proportion to class frequency (largest-remainder rounding), so a small
 * validation set or subset keeps the class balance of the whole. Returned sorted, to keep source order.
 */
export function stratifiedIndices(labels: Uint8Array, classes: number, size: number, rng: Rng): number[] {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, i) => byClass[label]!.push(i));
  const total = labels.length;
  const want = Math.min(size, total);
  const exact = byClass.map((members) => (want * members.length) / total);
  const quota = exact.map(Math.floor);
  let left = want - quota.reduce((a, b) => a + b, 0);
  // Hand the remaining slots to the largest fractional parts; ties go to the lower class, deterministically.
  const byFraction = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, k] of byFraction) {
    if (left === 0) break;
    quota[k]!++;
    left--;
  }
  const picked: number[] = [];
  byClass.forEach((members, k) => {
    for (const j of rng.sampleIndices(members.length, quota[k]!)) picked.push(members[j]!);
  });
  return picked.sort((a, b) => a - b);
}

/** A new split holding the given samples, in the given order (images are copied). */
export function takeSamples(split: Split, indices: readonly number[], sampleSize: number): Split {
  const images =
    split.images instanceof Float32Array ? new Float32Array(indices.length * sampleSize) : new Uint8Array(indices.length * sampleSize);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, dst) => {
    images.set(split.images.subarray(src * sampleSize, (src + 1) * sampleSize), dst * sampleSize);
    labels[dst] = split.labels[src]!;
  });
  return { images, labels, count: indices.length };
}

/** Splits `split` into a stratified validation set of `size` samples and the remaining training samples. */
export function carveValidation(
  split: Split,
  classes: number,
  sampleSize: number,
  size: number,
  rng: Rng,
): { train: Split; validation: Split } {
  const chosen = stratifiedIndices(split.labels, classes, size, rng);
  const inValidation = new Uint8Array(split.count);
  for (const i of chosen) inValidation[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < split.count; i++) if (!inValidation[i]) rest.push(i);
  return { train: takeSamples(split, rest, sampleSize), validation: takeSamples(split, chosen, sampleSize) };
}
