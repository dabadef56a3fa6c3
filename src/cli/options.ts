import { InvalidArgumentError } from 'commander';

/** Commander parsers for integer options that name the option in their error. */
const integerAtLeast = (min: number, what: string) => (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a ${what}`);
  return n;
};
export const positiveInt = integerAtLeast(1, 'positive integer');
export const nonNegativeInt = integerAtLeast(0, 'non-negative integer');
