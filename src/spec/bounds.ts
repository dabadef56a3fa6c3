import type { z } from 'zod';
import { createSpace, type SpaceConfig } from '../space/registry.js';

/**
 * The largest value of every size a search spec sets, by its path below `spec` (docs/security.md lists them). A
 * search document comes from the network, so each bounds what one request can make a service allocate or run. Kept
 * out of the zod schema's own `max()` so that the generated CRD stays as it is; checked by the spec's refinement,
 * so `nasmesh validate`, the controller and the operator all refuse the same values, naming the field.
 */
export const SPEC_MAXIMA = [
  ['seed', 2 ** 32 - 1],
  ['budget.candidates', 100_000],
  ['budget.maxDurationSeconds', 30 * 24 * 3600],
  ['network.channels', 1024],
  ['network.cellsPerStage', 16],
  ['network.stages', 8],
  ['space.channels', 1024],
  // The policy snapshot grows with units² (11-14 MB of JSON at 256): services/common/grpc/limits.ts.
  ['strategy.units', 256],
  ['strategy.batchSize', 1024],
  ['strategy.epochs', 100],
  ['strategy.replay.top', 1000],
  // Evolution's sampleSize is at most its population.
  ['strategy.population', 10_000],
  ['strategy.replayBatch', 10_000],
  ['strategy.epsilonDecaySteps', 10_000_000],
  ['evaluation.epochs', 1000],
  ['evaluation.batchSize', 4096],
  ['evaluation.candidatesPerStep', 1024],
  ['evaluation.workers', 64],
  ['evaluation.trainSubset', 10_000_000],
  ['evaluation.sharedStepsPerEpoch', 100_000],
  ['evaluation.controllerStepsPerEpoch', 10_000],
  ['evaluation.deriveSamples', 10_000],
  ['evaluation.deriveImages', 100_000],
  // The table network's cost is arithmetic on its layer graph, which grows with cells and stages.
  ['evaluation.tableNetwork.inputShape.0', 4096],
  ['evaluation.tableNetwork.inputShape.1', 4096],
  ['evaluation.tableNetwork.inputShape.2', 1024],
  ['evaluation.tableNetwork.classes', 100_000],
  ['evaluation.tableNetwork.channels', 1024],
  ['evaluation.tableNetwork.cellsPerStage', 16],
  ['evaluation.tableNetwork.stages', 8],
  ['dataset.validation.size', 10_000_000],
  ['dataset.subset', 10_000_000],
  ['final.topK', 100],
  ['final.finalists', 100],
  ['final.finalistTraining.epochs', 1000],
  ['final.finalistTraining.trainSubset', 10_000_000],
  ['final.finalistTraining.batchSize', 4096],
  ['final.epochs', 1000],
  ['final.batchSize', 4096],
  ['final.replicas', 16],
  ['final.network.channels', 1024],
  ['final.network.cellsPerStage', 16],
  ['final.network.stages', 8],
] as const satisfies readonly (readonly [string, number])[];

/** Most entries of a list or map the spec holds, by its path below `spec`. */
export const SPEC_MAX_ENTRIES = [
  ['workers.tolerations', 32],
  ['workers.nodeSelector', 64],
] as const satisfies readonly (readonly [string, number])[];

/** metadata.labels: entries, and the longest key and value (Kubernetes' own limits). */
export const MAX_LABELS = 64;
const MAX_LABEL_KEY = 317;
const MAX_LABEL_VALUE = 63;

/** Adds an issue per bound `spec` exceeds; `spec` is the parsed `spec` section. */
export function checkSpecBounds(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: path.split('.'), message });
  for (const [path, max] of SPEC_MAXIMA) {
    const value = valueAt(spec, path);
    if (typeof value === 'number' && value > max) issue(path, `must be at most ${max}`);
  }
  for (const [path, max] of SPEC_MAX_ENTRIES) {
    const value = valueAt(spec, path);
    const entries = Array.isArray(value) ? value.length : value && typeof value === 'object' ? Object.keys(value).length : 0;
    if (entries > max) issue(path, `must have at most ${max} entries`);
  }
  // A strategy never proposes an architecture twice: a budget beyond the space could not be spent.
  const count = createSpace(spec.space as SpaceConfig).count();
  const budget = valueAt(spec, 'budget.candidates');
  if (typeof budget === 'number' && BigInt(budget) > count) {
    issue('budget.candidates', `must be at most ${count}, the number of architectures in the space`);
  }
}

/** metadata.labels within Kubernetes' limits and ours. */
export function checkLabels(labels: Record<string, string> | undefined, ctx: z.RefinementCtx): void {
  const entries = Object.entries(labels ?? {});
  const issue = (message: string, key?: string) =>
    ctx.addIssue({ code: 'custom', path: ['labels', ...(key === undefined ? [] : [key])], message });
  if (entries.length > MAX_LABELS) issue(`must have at most ${MAX_LABELS} entries`);
  for (const [key, value] of entries) {
    if (key.length > MAX_LABEL_KEY) issue(`keys must be at most ${MAX_LABEL_KEY} characters`);
    else if (value.length > MAX_LABEL_VALUE) issue(`must be at most ${MAX_LABEL_VALUE} characters`, key);
  }
}

function valueAt(spec: Record<string, unknown>, path: string): unknown {
  let value: unknown = spec;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
