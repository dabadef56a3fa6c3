import type { SearchSpace } from '../space/types.js';
import { networkSpec } from '../train/spec.js';
import { Rng } from '../util/rng.js';
import { type LatencyTable, measureLatencies, predictLatency } from './latency-table.js';
import type { OpTimingOptions } from './op-timing.js';

/** How well a latency table predicts whole networks it was not fitted on. */
export interface PredictorValidation {
  readonly profile: string;
  readonly space: string;
  readonly batchSize: number;
  readonly architectures: number;
  /** Share of predictions within ±10 % of the measured end-to-end latency. */
  readonly withinTenPercent: number;
  readonly spearman: number;
  readonly rmseMs: number;
  /** Wall time of one prediction (building the layer graph and looking its nodes up). */
  readonly predictMsPerArch: number;
  /** Nodes whose configuration the table lacked, estimated from the nearest (never counted as zero). */
  readonly unseenNodes: number;
  readonly rows: readonly { readonly architecture: string; readonly measuredMs: number; readonly predictedMs: number }[];
}

export interface ValidationOptions extends OpTimingOptions {
  readonly architectures: number;
  readonly seed: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Draws `architectures` the table was not fitted on, measures them whole (interleaved) and compares the predictions. */
export async function validatePredictor(table: LatencyTable, space: SearchSpace, o: ValidationOptions): Promise<PredictorValidation> {
  const rng = new Rng(o.seed);
  const fitted = new Set(table.fittedOn);
  const chosen: { arch: number[]; predictedMs: number }[] = [];
  let predictMs = 0;
  let unseenNodes = 0;
  for (let attempts = 0; chosen.length < o.architectures && attempts < 100 * o.architectures; attempts++) {
    const arch = space.sample(rng);
    if (fitted.has(space.hash(arch))) continue;
    const started = performance.now();
    const prediction = predictLatency(table, networkSpec(space, arch, table.network));
    predictMs += performance.now() - started;
    unseenNodes += prediction.unseen;
    chosen.push({ arch, predictedMs: prediction.latencyMs });
  }
  const measured = await measureLatencies(
    space,
    chosen.map((c) => c.arch),
    table.network,
    table.batchSize,
    o,
    (done) => o.onProgress?.(done, chosen.length),
  );
  const rows = chosen.map((c, k) => ({ architecture: space.encode(c.arch), measuredMs: measured[k]!, predictedMs: c.predictedMs }));
  const errors = rows.map((r) => r.predictedMs - r.measuredMs);
  return {
    profile: table.profile,
    space: table.space,
    batchSize: table.batchSize,
    architectures: rows.length,
    withinTenPercent: rows.filter((r) => Math.abs(r.predictedMs - r.measuredMs) <= 0.1 * r.measuredMs).length / rows.length,
    spearman: spearman(
      rows.map((r) => r.measuredMs),
      rows.map((r) => r.predictedMs),
    ),
    rmseMs: Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length),
    predictMsPerArch: predictMs / Math.max(1, rows.length),
    unseenNodes,
    rows,
  };
}

/** Spearman's rank correlation (ties take their mean rank). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2 + 1;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}
