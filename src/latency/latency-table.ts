import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Architecture, SearchSpace } from '../space/types.js';
import { buildChildNetwork } from '../train/child-network.js';
import { networkSpec } from '../train/spec.js';
import { layerCost } from '../train/cost.js';
import type { NetworkConfig, NetworkSpec } from '../train/types.js';
import { usedNodes } from '../train/used-nodes.js';
import { Rng } from '../util/rng.js';
import { tf } from '../tf/backend.js';
import { quantile } from './measure.js';
import { opKey, type OpTiming, type OpTimingOptions, timeOp } from './op-timing.js';

/**
 * A latency lookup table of one space on one hardware profile (nn-Meter's and MnasNet's predictor): each node
 * configuration the space produces in its network, timed alone, and a correction fitted on whole networks, since a
 * network is not exactly the sum of its ops: each layer adds the framework's overhead, and a run its own (the input,
 * reading the output back). Predicting takes the sum of the ops' times plus both: `Σ op + perNode × nodes + intercept`.
 * The sum's own weight is not fitted: the sum and the node count grow together, and a fit of both on a few noisy
 * networks trades one against the other.
 */
export interface LatencyTable {
  readonly profile: string;
  readonly backend: string;
  readonly space: string;
  readonly network: NetworkConfig;
  readonly batchSize: number;
  readonly ops: Readonly<Record<string, TimedOp>>;
  readonly correction: { readonly perNodeMs: number; readonly interceptMs: number };
  /** The architectures the correction was fitted on (hashes), never used to validate it. */
  readonly fittedOn: readonly string[];
}

/** A node configuration's time, and its work (for estimating unseen configurations from it). */
export interface TimedOp extends OpTiming {
  readonly work: number;
}

export interface LatencyTableOptions extends OpTimingOptions {
  readonly space: SearchSpace;
  readonly network: NetworkConfig;
  readonly batchSize: number;
  readonly profile: string;
  readonly backend: string;
  /** Architectures drawn to find the node configurations the space produces. */
  readonly sampleArchitectures: number;
  /** Architectures measured whole to fit the correction. */
  readonly fitArchitectures: number;
  readonly seed: number;
  readonly onProgress?: (what: string, done: number, total: number) => void;
}

/** Draws architectures, times every node configuration they hold once, and fits the correction on whole networks. */
export async function buildLatencyTable(o: LatencyTableOptions): Promise<LatencyTable> {
  const rng = new Rng(o.seed);
  const drawn = Array.from({ length: o.sampleArchitectures }, () => o.space.sample(rng));
  const configurations = new Map<string, { spec: NetworkSpec; node: number }>();
  for (const arch of drawn) {
    const spec = networkSpec(o.space, arch, o.network);
    for (const i of usedNodes(spec)) {
      if (spec.nodes[i]!.kind === 'input') continue;
      const key = opKey(spec, i, o.batchSize);
      if (!configurations.has(key)) configurations.set(key, { spec, node: i });
    }
  }
  const ops: Record<string, TimedOp> = {};
  let done = 0;
  for (const [key, { spec, node }] of configurations) {
    ops[key] = { ...(await timeOp(spec, node, o.batchSize, o)), work: nodeWork(spec, node) };
    o.onProgress?.('ops', ++done, configurations.size);
  }
  const partial = { ...o, ops };
  const fit = drawn.slice(0, o.fitArchitectures);
  const measured = await measureLatencies(o.space, fit, o.network, o.batchSize, o, (done) => o.onProgress?.('networks', done, fit.length));
  const rows = fit.map((arch, k) => {
    const { sumMs, nodes } = opSum(partial, networkSpec(o.space, arch, o.network));
    return { sum: sumMs, nodes, measured: measured[k]! };
  });
  return {
    profile: o.profile,
    backend: o.backend,
    space: o.space.name,
    network: o.network,
    batchSize: o.batchSize,
    ops,
    correction: fitCorrection(rows),
    fittedOn: fit.map((a) => o.space.hash(a)),
  };
}

/** Networks timed together, round by round: enough to interleave, few enough to hold in memory at once. */
const INTERLEAVED = 20;

/**
 * The median end-to-end latency of one inference run of each network, in milliseconds. The networks are timed
 * interleaved, one run of each per round, so that a machine whose speed drifts (another process, a neighbour on a
 * virtual machine, the clock) moves all of them alike instead of whichever was measured at the time.
 */
export async function measureLatencies(
  space: SearchSpace,
  archs: readonly Architecture[],
  network: NetworkConfig,
  batchSize: number,
  options: OpTimingOptions,
  onMeasured?: (done: number) => void,
): Promise<number[]> {
  const medians: number[] = [];
  const x = tf.randomUniform([batchSize, ...network.inputShape], 0, 1, 'float32', 1);
  try {
    for (let start = 0; start < archs.length; start += INTERLEAVED) {
      const models = archs.slice(start, start + INTERLEAVED).map((arch) => buildChildNetwork(space, arch, network).model);
      try {
        const times = models.map(() => [] as number[]);
        for (let round = 0; round < options.warmup + options.repeats; round++) {
          await nextTurn();
          for (const [m, model] of models.entries()) {
            const began = performance.now();
            // Reading the output back is part of inference: without it the backend may still be computing.
            tf.tidy(() => void (model.predict(x) as tf.Tensor).dataSync());
            if (round >= options.warmup) times[m]!.push(performance.now() - began);
          }
        }
        medians.push(...times.map((t) => quantile(t, 0.5)));
        onMeasured?.(medians.length);
      } finally {
        for (const model of models) model.dispose();
      }
    }
    return medians;
  } finally {
    x.dispose();
  }
}

export interface LatencyPrediction {
  readonly latencyMs: number;
  /** Nodes whose configuration the table has not timed, their time interpolated from the nearest of their kind. */
  readonly unseen: number;
}

/** The table's prediction for a network; never silently zero: an unseen node is estimated and counted. */
export function predictLatency(table: Pick<LatencyTable, 'ops' | 'batchSize' | 'correction'>, spec: NetworkSpec): LatencyPrediction {
  const { sumMs, nodes, unseen } = opSum(table, spec);
  const { perNodeMs, interceptMs } = table.correction;
  return { latencyMs: Math.max(0, sumMs + perNodeMs * nodes + interceptMs), unseen };
}

function opSum(table: Pick<LatencyTable, 'ops' | 'batchSize'>, spec: NetworkSpec): { sumMs: number; nodes: number; unseen: number } {
  let sumMs = 0;
  let nodes = 0;
  let unseen = 0;
  for (const i of usedNodes(spec)) {
    if (spec.nodes[i]!.kind === 'input') continue;
    nodes++;
    const known = table.ops[opKey(spec, i, table.batchSize)];
    if (known) sumMs += known.medianMs;
    else {
      unseen++;
      sumMs += interpolate(table, spec, i);
    }
  }
  return { sumMs, nodes, unseen };
}

/** An unseen node's time: the timed node of its kind nearest in work, scaled by the ratio of the works. */
function interpolate(table: Pick<LatencyTable, 'ops'>, spec: NetworkSpec, i: number): number {
  const kind = spec.nodes[i]!.kind;
  const work = nodeWork(spec, i);
  let best: { ratio: number; ms: number } | undefined;
  for (const [key, timed] of Object.entries(table.ops)) {
    if (!key.startsWith(`${kind} `)) continue;
    const ratio = work / timed.work;
    if (!best || Math.abs(Math.log(ratio)) < Math.abs(Math.log(best.ratio))) best = { ratio, ms: timed.medianMs };
  }
  if (!best) throw new Error(`the latency table has no ${kind} node to estimate one from`);
  return best.ms * best.ratio;
}

/** A node's work per image: its multiply-adds where it has any, else the elements it reads. */
function nodeWork(spec: NetworkSpec, i: number): number {
  const node = spec.nodes[i]!;
  const inputs = node.inputs.map((j) => spec.nodes[j]!.shape);
  const macs = layerCost(node, inputs[0] ?? []).macs;
  return macs > 0
    ? macs
    : Math.max(
        1,
        inputs.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0),
      );
}

/** Least squares of measured − Σ op ≈ perNode × nodes + intercept; none where the networks cannot tell them apart. */
export function fitCorrection(rows: readonly { sum: number; nodes: number; measured: number }[]): LatencyTable['correction'] {
  const n = rows.length;
  if (n === 0) return { perNodeMs: 0, interceptMs: 0 };
  const meanNodes = rows.reduce((a, r) => a + r.nodes, 0) / n;
  const meanExcess = rows.reduce((a, r) => a + (r.measured - r.sum), 0) / n;
  const spread = rows.reduce((a, r) => a + (r.nodes - meanNodes) ** 2, 0);
  if (spread === 0) return { perNodeMs: 0, interceptMs: meanExcess };
  const perNodeMs = rows.reduce((a, r) => a + (r.nodes - meanNodes) * (r.measured - r.sum - meanExcess), 0) / spread;
  return { perNodeMs, interceptMs: meanExcess - perNodeMs * meanNodes };
}
