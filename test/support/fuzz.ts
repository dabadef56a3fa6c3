import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { NasmeshError } from '../../src/util/errors.js';

/**
 * fast-check runs for the fuzz and property tests: seeded (NASMESH_FUZZ_SEED, default 12) so that a failure repeats,
 * and `NASMESH_FUZZ_RUNS_SCALE` multiplies every target's number of inputs for a longer session. Each test reports
 * how many inputs it tried (`fuzz <target>: <n> inputs`, a diagnostic in the test output).
 */
export const FUZZ_SEED = Number(process.env.NASMESH_FUZZ_SEED ?? 12);
const SCALE = Number(process.env.NASMESH_FUZZ_RUNS_SCALE ?? 1);

export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) };
}

/** Counts inputs as a property sees them, and reports the count when the test ends. */
export function counted(t: TestContext, target: string): () => void {
  let n = 0;
  t.after(() => t.diagnostic(`fuzz ${target}: ${n} inputs`));
  return () => {
    n++;
  };
}

/** An outcome the properties accept: a result, or one of nasmesh's own user-facing errors (never a TypeError). */
export function isClearError(e: unknown): e is NasmeshError {
  return e instanceof NasmeshError;
}

/** A JSON value somewhere inside `value` replaced by `replacement`: a near-valid document, the likeliest hostile one. */
export function mutateAt(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  (copy as Record<string, unknown>)[key] = mutateAt((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

/** Hostile JSON: anything, with a bias to the sizes and shapes that break code (huge numbers, deep nesting, odd keys). */
export const hostileJson = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom(2 ** 31, 2 ** 53, -1, 0, 1e308, -0, '', '..', '../../etc/passwd', '/etc/passwd', '__proto__', null, [], {}),
    fc.string({ maxLength: 5000 }),
    fc.array(fc.integer(), { maxLength: 200 }),
  );
