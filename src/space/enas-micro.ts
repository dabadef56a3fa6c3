import { DecisionSpace } from './decision-space.js';
import type { Architecture, Decision } from './types.js';

export const MICRO_OPS = [
  'sep_conv_3x3',
  'sep_conv_5x5',
  'sep_conv_7x7',
  'dil_conv_3x3',
  'dil_conv_5x5',
  'avg_pool_3x3',
  'max_pool_3x3',
  'identity',
  'conv_1x1',
  'conv_3x3',
] as const;
export type MicroOp = (typeof MICRO_OPS)[number];

// A type alias, not an interface, so it stays assignable to the base class's Record-typed config.
export type EnasMicroConfig = {
  readonly blocks: number;
  readonly ops: readonly MicroOp[];
  readonly channels: number;
};

export const MICRO_CELLS = ['normal', 'reduce'] as const;

/**
 * One block of a decoded cell. Inputs are cell-local state indices: 0 and 1 are the cell's inputs (outputs of the
 * two previous cells), 2 + j is block j of the same cell.
 */
export interface MicroBlock {
  readonly inputs: readonly [number, number];
  readonly ops: readonly [string, string];
}

export interface MicroCell {
  readonly blocks: readonly MicroBlock[];
  /** State indices of the blocks no other block reads; the cell output concatenates them (ENAS/NASNet). */
  readonly concat: readonly number[];
}

/**
 * ENAS micro (NASNet-style) space: a normal and a reduction cell of B blocks each. A block picks two inputs among the
 * cell's two inputs and its earlier blocks, and an op for each. Anchor node ids are global so the controller can
 * attend over both cells: normal inputs 0, 1, normal blocks 2..B+1, reduce inputs B+2, B+3, reduce blocks after.
 */
export class EnasMicroSpace extends DecisionSpace {
  readonly name = 'enas-micro' as const;
  override readonly inputNodes: readonly number[];
  declare readonly config: EnasMicroConfig;

  constructor(config: EnasMicroConfig) {
    const { blocks, ops, channels } = config;
    super(microDecisions(blocks, [...ops]), { blocks, ops: [...ops], channels });
    this.inputNodes = MICRO_CELLS.flatMap((_, c) => [cellBase(c, blocks), cellBase(c, blocks) + 1]);
  }

  /** The decoded normal and reduction cells, for building a model. */
  cells(arch: Architecture): { normal: MicroCell; reduce: MicroCell } {
    this.validate(arch);
    const perBlock = 4;
    const cell = (c: number): MicroCell => {
      const blocks = Array.from({ length: this.config.blocks }, (_, b): MicroBlock => {
        const at = (c * this.config.blocks + b) * perBlock;
        const [in1, in2, op1, op2] = arch.slice(at, at + perBlock) as [number, number, number, number];
        return { inputs: [in1, in2], ops: [this.config.ops[op1]!, this.config.ops[op2]!] };
      });
      const read = new Set(blocks.flatMap((b) => b.inputs));
      const concat = blocks.map((_, b) => b + 2).filter((s) => !read.has(s));
      return { blocks, concat };
    };
    return { normal: cell(0), reduce: cell(1) };
  }
}

function cellBase(cell: number, blocks: number): number {
  return cell * (blocks + 2);
}

function microDecisions(blocks: number, ops: readonly string[]): Decision[] {
  return MICRO_CELLS.flatMap((cell, c) => {
    const base = cellBase(c, blocks);
    return Array.from({ length: blocks }, (_, b): Decision[] => {
      const node = `${cell}.block${b}`;
      // Choice i of an input decision is cell-local state i, whose anchor is global node base + i.
      const choices = ['in0', 'in1', ...Array.from({ length: b }, (_, j) => `block${j}`)];
      const selects = choices.map((_, i) => base + i);
      return [
        { name: `${node}.input1`, kind: 'input', choices, node, selects },
        { name: `${node}.input2`, kind: 'input', choices, node, selects },
        { name: `${node}.op1`, kind: 'op', choices: ops, node },
        { name: `${node}.op2`, kind: 'op', choices: ops, node, defines: base + 2 + b },
      ];
    }).flat();
  });
}
