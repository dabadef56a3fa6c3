import { DecisionSpace } from './decision-space.js';
import type { Architecture, Decision } from './types.js';

export const MNAS_CHOICES = {
  convOps: ['conv', 'dwconv', 'mbconv_e3', 'mbconv_e6'],
  kernels: [3, 5],
  seRatios: [0, 0.25],
  skipOps: ['none', 'identity'],
  filterMultipliers: [0.75, 1.0, 1.25],
  layerDeltas: [-1, 0, 1],
} as const;
export type MnasConvOp = (typeof MNAS_CHOICES.convOps)[number];
export type MnasSkipOp = (typeof MNAS_CHOICES.skipOps)[number];

/** MobileNetV2's seven bottleneck stages, the skeleton MnasNet searches around. */
export const MOBILENET_V2_STAGES = [
  { expansion: 1, channels: 16, layers: 1, stride: 1 },
  { expansion: 6, channels: 24, layers: 2, stride: 2 },
  { expansion: 6, channels: 32, layers: 3, stride: 2 },
  { expansion: 6, channels: 64, layers: 4, stride: 2 },
  { expansion: 6, channels: 96, layers: 3, stride: 1 },
  { expansion: 6, channels: 160, layers: 3, stride: 2 },
  { expansion: 6, channels: 320, layers: 1, stride: 1 },
] as const;

// A type alias, not an interface, so it stays assignable to the base class's Record-typed config.
export type MnasConfig = {
  readonly convOps: readonly MnasConvOp[];
  readonly kernels: readonly number[];
  readonly seRatios: readonly number[];
  readonly skipOps: readonly MnasSkipOp[];
  readonly filterMultipliers: readonly number[];
  readonly layerDeltas: readonly number[];
};

export interface MnasBlock {
  readonly convOp: MnasConvOp;
  readonly kernel: number;
  readonly seRatio: number;
  readonly skipOp: MnasSkipOp;
  readonly filters: number;
  readonly layers: number;
  readonly stride: number;
}

/** Decision suffix, decision kind and config list, in decision order within a block. */
const FIELDS = [
  ['conv', 'convOps'],
  ['kernel', 'kernels'],
  ['se', 'seRatios'],
  ['skip', 'skipOps'],
  ['filters', 'filterMultipliers'],
  ['layers', 'layerDeltas'],
] as const;

/** MnasNet factorized hierarchical space: six decisions for each of the seven MobileNetV2 stages. */
export class MnasSpace extends DecisionSpace {
  readonly name = 'mnas' as const;
  declare readonly config: MnasConfig;

  constructor(config: MnasConfig) {
    const resolved: MnasConfig = {
      convOps: [...config.convOps],
      kernels: [...config.kernels],
      seRatios: [...config.seRatios],
      skipOps: [...config.skipOps],
      filterMultipliers: [...config.filterMultipliers],
      layerDeltas: [...config.layerDeltas],
    };
    const decisions = MOBILENET_V2_STAGES.flatMap((_, b): Decision[] =>
      FIELDS.map(([kind, key]) => ({
        name: `block${b}.${kind}`,
        kind,
        choices: resolved[key].map(String),
        node: `block${b}`,
      })),
    );
    super(decisions, resolved);
  }

  /** The decoded blocks with the skeleton applied, for building a model. */
  blocks(arch: Architecture): MnasBlock[] {
    this.validate(arch);
    const c = this.config;
    return MOBILENET_V2_STAGES.map((stage, b) => {
      const [conv, kernel, se, skip, filters, layers] = arch.slice(b * 6, b * 6 + 6) as number[];
      return {
        convOp: c.convOps[conv!]!,
        kernel: c.kernels[kernel!]!,
        seRatio: c.seRatios[se!]!,
        skipOp: c.skipOps[skip!]!,
        filters: Math.max(8, Math.round((stage.channels * c.filterMultipliers[filters!]!) / 8) * 8),
        layers: Math.max(1, stage.layers + c.layerDeltas[layers!]!),
        stride: stage.stride,
      };
    });
  }
}
