import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses `value` with a zod schema; the first issue becomes a ValidationError whose field is the dotted path below
 * `root`, so a user sees e.g. `spec.space.blocks: Too small: expected number to be >=1`.
 */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  const allowed = 'values' in issue && Array.isArray(issue.values) ? issue.values.map(String) : undefined;
  const problem = allowed ? 'invalid value' : issue.message;
  throw new ValidationError(field || root, problem, allowed);
}
