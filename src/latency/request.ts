import { z } from 'zod';
import type { NetworkConfig } from '../train/types.js';
import { parseWith } from '../util/schema.js';

/** Timed runs when a request does not say. */
export const DEFAULT_REPEATS = 20;

const positiveInt = z.number().int().positive();

/**
 * Bounds keep one request from holding the profiler (it measures one network at a time) for minutes or exhausting
 * memory: a batch of 256 224x224 RGB images is already 150 MB of input.
 */
const networkConfigSchema = z
  .object({
    inputShape: z.tuple([positiveInt.max(1024), positiveInt.max(1024), positiveInt.max(64)]),
    classes: z.number().int().min(2).max(100_000),
    channels: positiveInt.max(1024),
    cellsPerStage: positiveInt.max(32).optional(),
    stages: positiveInt.max(8).optional(),
    widthMultiplier: z.number().positive().max(8).optional(),
    headChannels: z.number().int().min(0).max(8192).optional(),
    stemStride: z.union([z.literal(1), z.literal(2)]).optional(),
  })
  .strict();

const profileOptionsSchema = z.object({
  network: networkConfigSchema,
  batchSize: positiveInt.max(256),
  repeats: positiveInt.max(1000),
});

export interface ProfileOptions {
  readonly network: NetworkConfig;
  readonly batchSize: number;
  readonly repeats: number;
}

/** Validates a request's network and run counts; errors name the field (`network.inputShape.0`, `repeats`). */
export function parseProfileOptions(value: unknown): ProfileOptions {
  return parseWith(profileOptionsSchema, value, '');
}
