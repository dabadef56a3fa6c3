import { DecisionSpace } from './decision-space.js';
import type { Architecture, Decision } from './types.js';

export const MACRO_OPS = ['conv_3x3', 'conv_5x5', 'sep_conv_3x3', 'sep_conv_5x5', 'max_pool_3x3', 'avg_pool_3x3'] as const;
export type MacroOp = (typeof MACRO_OPS)[number];

// A type alias, not an interface, so it stays assignable to the base class's Record-typed config.
export type EnasMacroConfig = {
  readonly layers: number;
  readonly ops: readonly MacroOp[];
  readonly channels: number;
};

export interface MacroLayer {
  readonly op: string;
  /** Earlier layers whose outputs are added to this layer's input. */
  readonly skips: readonly number[];
}

/**
 * ENAS macro space: a chain of L layers, each picking an op and, for every earlier layer, whether to take a skip
 * connection from it. Layer i is anchor node i.
 */
export class EnasMacroSpace extends DecisionSpace {
  readonly name = 'enas-macro' as const;
  declare readonly config: EnasMacroConfig;

  constructor(config: EnasMacroConfig) {
    const { layers, ops, channels } = config;
    super(macroDecisions(layers, [...ops]), { layers, ops: [...ops], channels });
  }

  /** The decoded layers, for building a model. */
  layers(arch: Architecture): MacroLayer[] {
    this.validate(arch);
    const out: MacroLayer[] = [];
    let at = 0;
    for (let i = 0; i < this.config.layers; i++) {
      const op = this.config.ops[arch[at]!]!;
      const skips = arch.slice(at + 1, at + 1 + i).flatMap((v, j) => (v === 1 ? [j] : []));
      out.push({ op, skips });
      at += 1 + i;
    }
    return out;
  }
}

function macroDecisions(layers: number, ops: readonly string[]): Decision[] {
  return Array.from({ length: layers }, (_, i): Decision[] => {
    const node = `layer${i}`;
    return [
      { name: `${node}.op`, kind: 'op', choices: ops, node, defines: i },
      ...Array.from({ length: i }, (_, j): Decision => ({
        name: `${node}.skip${j}`,
        kind: 'skip',
        choices: ['0', '1'],
        node,
        skipFrom: j,
      })),
    ];
  }).flat();
}
