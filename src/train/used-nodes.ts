import type { NetworkSpec } from './types.js';

/** The nodes the output depends on, in graph order: what a built model holds (tfjs drops the rest). */
export function usedNodes(spec: NetworkSpec): number[] {
  const used = new Set<number>([spec.output]);
  for (let i = spec.output; i >= 0; i--) if (used.has(i)) for (const j of spec.nodes[i]!.inputs) used.add(j);
  return [...used].sort((a, b) => a - b);
}
