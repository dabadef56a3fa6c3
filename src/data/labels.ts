import { DatasetError } from './errors.js';

/** Throws if any label is ≥ classes; a bad label would otherwise surface as a NaN loss deep inside training. */
export function checkLabels(labels: Uint8Array, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classes) {
      throw new DatasetError(file, `label ${labels[i]} at index ${i} is not below the class count ${classes}`);
    }
  }
}

/** The class count implied by labels: max label + 1. */
export function inferClasses(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  return max + 1;
}
