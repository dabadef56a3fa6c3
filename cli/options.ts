import { InvalidArgumentError } from 'commander';

/** Commander parsers for numeric options that name the option in their error. */
const integerAtLeast = (min: number, what: string) => (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a ${what}`);
  return n;
};
export const positiveInt = integerAtLeast(1, 'positive integer');
export const nonNegativeInt = integerAtLeast(0, 'non-negative integer');

/** A finite number ≥ 0, the option named in the error. */
export const nonNegativeNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a finite number ≥ 0`);
  return n;
};
