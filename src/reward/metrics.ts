import { ValidationError } from '../util/errors.js';
import type { CostMetric, Metrics } from './types.js';

/**
 * Reads one metric a consumer depends on, failing loudly instead of letting NaN or undefined flow into the
 * controller's gradient. `neededBy` completes the sentence "is required by ..." in the error.
 */
export function requireMetric(metrics: Metrics, name: CostMetric | 'accuracy', neededBy: string): number {
  const value: unknown = metrics[name];
  const field = `metrics.${name}`;
  if (value === undefined || value === null) throw new ValidationError(field, `is required by ${neededBy}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(field, `must be a finite number, got ${String(value)}`);
  }
  // A percentage (75) instead of a fraction (0.75) is the likeliest mistake; catch it rather than scale silently.
  if (name === 'accuracy' && (value < 0 || value > 1)) {
    throw new ValidationError(field, `must be a fraction in [0, 1], got ${value}`);
  }
  // Costs are divided by a target and raised to negative powers, so zero or negative values are meaningless.
  if (name !== 'accuracy' && value <= 0) throw new ValidationError(field, `must be > 0, got ${value}`);
  return value;
}
