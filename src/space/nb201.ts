import { DecisionSpace } from './decision-space.js';
import { InvalidArchitectureError } from './errors.js';
import type { Architecture, Decision } from './types.js';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** Edges of the 4-node NAS-Bench-201 cell in NATS-Bench order: node j's inputs from nodes 0..j-1. */
export const NB201_EDGES: readonly (readonly [to: number, from: number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/** NAS-Bench-201 cell: one op per edge, 5^6 = 15,625 cells, canonical string in the NATS-Bench form. */
export class Nb201Space extends DecisionSpace {
  readonly name = 'nb201' as const;

  constructor() {
    const decisions: Decision[] = NB201_EDGES.map(([to, from]) => ({
      name: `edge${to}${from}`,
      kind: 'op',
      choices: NB201_OPS,
      node: `node${to}`,
    }));
    super(decisions, {});
  }

  /** `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` */
  override encode(arch: Architecture): string {
    this.validate(arch);
    const nodes: string[] = [];
    for (let to = 1; to <= 3; to++) {
      const ops = NB201_EDGES.flatMap(([t, from], i) => (t === to ? [`${NB201_OPS[arch[i]!]}~${from}`] : []));
      nodes.push(`|${ops.join('|')}|`);
    }
    return nodes.join('+');
  }

  override decode(text: string): number[] {
    const nodes = text.trim().split('+');
    if (nodes.length !== 3) {
      throw new InvalidArchitectureError('arch', `'${text}' must have 3 nodes separated by '+' (NATS-Bench form)`);
    }
    const arch: number[] = [];
    nodes.forEach((node, n) => {
      const to = n + 1;
      const edges = node.replace(/^\|/, '').replace(/\|$/, '').split('|');
      if (edges.length !== to) {
        throw new InvalidArchitectureError(`node${to}`, `'${node}' must list ${to} edge(s) as op~from`);
      }
      edges.forEach((edge, from) => {
        const [op, source] = edge.split('~');
        const decision = this.decisions[arch.length]!;
        if (source !== String(from)) {
          throw new InvalidArchitectureError(decision.name, `edge '${edge}' must come from node ${from}`);
        }
        arch.push(this.indexOf(decision, op ?? ''));
      });
    });
    return arch;
  }
}
