import { z } from 'zod';
import { parseWith } from '../util/schema.js';
import { EnasMacroSpace, MACRO_OPS } from './enas-macro.js';
import { EnasMicroSpace, MICRO_OPS } from './enas-micro.js';
import { MNAS_CHOICES, MnasSpace } from './mnas.js';
import { Nb201Space } from './nb201.js';
import type { SearchSpace } from './types.js';

// `uniqueItems` states the refinement in the JSON Schema too (the CRD makes such lists sets).
const uniqueList = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number][]) =>
  z
    .array(z.enum(values))
    .min(1)
    .default(fallback)
    .refine((l) => new Set(l).size === l.length, 'must not repeat a value')
    .meta({ uniqueItems: true });

const uniqueNumbers = (values: readonly number[]) =>
  z
    .array(z.number().refine((v) => values.includes(v), `must be one of ${values.join(', ')}`))
    .min(1)
    .default([...values])
    .refine((l) => new Set(l).size === l.length, 'must not repeat a value')
    .meta({ uniqueItems: true });

/** The `spec.space` section of a search spec; every field but `name` has a default. */
const NAME =
  'The search space: nb201 (NAS-Bench-201 cell), enas-micro (NASNet/ENAS normal and reduction cells), enas-macro (ENAS layer by layer) or mnas (MnasNet blocks).';
const CHANNELS = "Channels of the space's own reference network (candidates train in spec.network's).";

export const spaceConfigSchema = z
  .discriminatedUnion('name', [
    z.object({ name: z.literal('nb201').describe(NAME) }).strict(),
    z
      .object({
        name: z.literal('enas-micro').describe(NAME),
        blocks: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(5)
          .describe('Blocks per cell; each picks two inputs among earlier nodes and an op for each.'),
        ops: uniqueList(MICRO_OPS, ['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity']).describe(
          'The ops a block may apply to each input (no repeats).',
        ),
        channels: z.number().int().min(1).default(20).describe(CHANNELS),
      })
      .strict(),
    z
      .object({
        name: z.literal('enas-macro').describe(NAME),
        layers: z
          .number()
          .int()
          .min(1)
          .max(24)
          .default(12)
          .describe('Layers; each picks an op and a skip connection from every earlier layer or not.'),
        ops: uniqueList(MACRO_OPS, [...MACRO_OPS]).describe('The ops a layer may be (no repeats).'),
        channels: z.number().int().min(1).default(36).describe(CHANNELS),
      })
      .strict(),
    z
      .object({
        name: z.literal('mnas').describe(NAME),
        convOps: uniqueList(MNAS_CHOICES.convOps, [...MNAS_CHOICES.convOps]).describe(
          "Each block's convolution: regular, depthwise separable or inverted bottleneck (MBConv) with its expansion.",
        ),
        kernels: uniqueNumbers(MNAS_CHOICES.kernels).describe("Each block's kernel size."),
        seRatios: uniqueNumbers(MNAS_CHOICES.seRatios).describe("Each block's squeeze-and-excite ratio (0: none)."),
        skipOps: uniqueList(MNAS_CHOICES.skipOps, [...MNAS_CHOICES.skipOps]).describe("Each block's skip op."),
        filterMultipliers: uniqueNumbers(MNAS_CHOICES.filterMultipliers).describe("Each block's width against MobileNetV2's."),
        layerDeltas: uniqueNumbers(MNAS_CHOICES.layerDeltas).describe("Each block's layers against MobileNetV2's count."),
      })
      .strict(),
  ])
  .describe('The search space and its hyper-parameters; every field but name has a default.');

export type SpaceConfig = z.input<typeof spaceConfigSchema>;

/** Builds a space from its (validated) config; `field` is where the config sits in the user's document. */
export function createSpace(config: SpaceConfig | string, field = 'spec.space'): SearchSpace {
  const parsed = parseWith(spaceConfigSchema, typeof config === 'string' ? { name: config } : config, field);
  switch (parsed.name) {
    case 'nb201':
      return new Nb201Space();
    case 'enas-micro':
      return new EnasMicroSpace(parsed);
    case 'enas-macro':
      return new EnasMacroSpace(parsed);
    case 'mnas':
      return new MnasSpace(parsed);
  }
}
