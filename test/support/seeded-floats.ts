/** A linear congruential stream of floats in [-1, 1): test inputs that repeat exactly, with no dependency. */
export function seededFloats(seed: number): (size: number) => Float32Array {
  let state = seed;
  return (size) => {
    const a = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      a[i] = state / 2 ** 31 - 1;
    }
    return a;
  };
}
