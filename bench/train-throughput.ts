/**
 * Training throughput: nasmesh (tfjs: each available training backend, `tensorflow` and `wasm`) against PyTorch on the
 * CPU, on the same reference networks, the same batches of 64 MNIST images and Adam (lr 1e-3, softmax cross-entropy
 * on logits).
 *
 * Networks (both described as a nasmesh layer graph, `NetworkSpec`; the PyTorch side builds its module from the same
 * JSON graph, bench/train-throughput.py, so both frameworks train exactly the same structure):
 *  - reference-cnn: conv3x3x16+ReLU, BN, conv3x3x32+ReLU, maxpool 2, conv5x5x32+ReLU, avgpool 2, GAP, dense 10;
 *  - enas-micro: a fixed enas-micro architecture made only of sep_conv_3x3 / sep_conv_5x5 ops (REFERENCE_ARCH),
 *    16 channels, 2 stages (stem, normal cell, reduction cell, normal cell), built by networkSpec() as a search does.
 *
 * Threads: PyTorch trains one model with torch.set_num_threads(N). nasmesh with N > 1 runs N worker threads, each
 * with its own backend training its own copy on its own batches (as the data-parallel final stage does); images/s
 * are summed over the workers. On `tensorflow` each worker runs its ops in its own thread (TF_NUM_INTRAOP_THREADS 1,
 * src/tf/backend.ts). After `--warmup` untimed steps, `--steps` steps are timed (all workers start together).
 *
 * Run: npm run bench:throughput -- --threads 2 --json out.json [--backend tensorflow|wasm|cpu] [--steps 20]
 *      [--warmup 3] [--breakdown] [--python /usr/bin/python3] [--no-pytorch] [--network reference-cnn]
 * Without --backend every training backend that loads here is measured (`tensorflow`, `wasm`; the pure-JS `cpu` only
 * when named). Each entry of `networks` in the JSON is one network on one backend.
 * --breakdown adds, for worker 0, forward / backward / optimizer times and the top kernels of one step (tf.profile),
 * and PyTorch's own top operators over 5 steps (torch.profiler, printed to stderr), to compare kernel by kernel.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type * as TF from '@tensorflow/tfjs';
import type { Batch } from '../src/data/index.js';
import type { BackendName } from '../src/tf/backend.js';
import type { NetworkSpec } from '../src/train/types.js';
import { topKernels, type KernelTime } from './top-kernels.js';

const BATCH = 64;
const CLASSES = 10;
const INPUT: [number, number, number] = [28, 28, 1];

/** normal: b0 = sep3(in0) + sep5(in1), b1 = sep3(in1) + sep3(b0); reduce: b0 = sep5(in0) + sep3(in1), b1 = sep3(b0) + sep5(in1). */
export const REFERENCE_ARCH = [0, 1, 0, 1, 1, 2, 0, 0, /* reduce */ 0, 1, 1, 0, 2, 1, 0, 1];

interface NetworkCase {
  name: string;
  spec: NetworkSpec;
}

interface WorkerInput {
  backend: BackendName;
  spec: NetworkSpec;
  batches: Batch[];
  steps: number;
  warmup: number;
  breakdown: boolean;
}

interface Breakdown {
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  stepMs: number;
  /** Threads of the backend's own pool: wasm's, or TensorFlow's intra-op pool. */
  wasmThreads?: number;
  tensorflowIntraOpThreads?: number;
  topKernels: KernelTime[];
}

type FromWorker = { type: 'ready' } | { type: 'done'; ms: number; breakdown?: Breakdown } | { type: 'error'; message: string };

async function referenceSpec(): Promise<NetworkSpec> {
  const { GraphBuilder } = await import('../src/train/graph.js');
  const g = new GraphBuilder();
  let x = g.input(INPUT);
  x = g.relu(g.conv(x, 16, 3, 1, 1, true));
  x = g.bn(x);
  x = g.relu(g.conv(x, 32, 3, 1, 1, true));
  x = g.pool(x, 'max', 2, 2, 'valid');
  x = g.relu(g.conv(x, 32, 5, 1, 1, true));
  x = g.pool(x, 'avg', 2, 2, 'valid');
  return g.spec(g.dense(g.gap(x), CLASSES));
}

async function enasMicroSpec(): Promise<NetworkSpec> {
  const { EnasMicroSpace, MICRO_OPS } = await import('../src/space/enas-micro.js');
  const { networkSpec } = await import('../src/train/spec.js');
  const space = new EnasMicroSpace({ blocks: 2, ops: MICRO_OPS, channels: 16 });
  return networkSpec(space, REFERENCE_ARCH, { inputShape: INPUT, classes: CLASSES, channels: 16, stages: 2 });
}

// ---------------------------------------------------------------------------------------------------------------
// worker: trains one copy of a network

async function runWorker(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const { initBackend, tf } = await import('../src/tf/backend.js');
  const { specToModel } = await import('../src/train/child-network.js');
  const { FusedAdam } = await import('../src/train/fused-adam.js');
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const backend = await initBackend(input.backend);
  if (backend !== input.backend) throw new Error(`backend ${input.backend} unavailable (got ${backend})`);
  const model = specToModel(input.spec);
  // nasmesh's trainer: the fused Adam that src/train/fit.ts and the data-parallel replicas use.
  const optimizer = new FusedAdam(1e-3);
  const tensors = input.batches.map((b) => ({
    x: tf.tensor4d(b.x, [b.count, ...INPUT]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, 'int32'), CLASSES)),
  }));
  const loss = (i: number) => {
    const { x, y } = tensors[i % tensors.length]!;
    return tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as TF.Tensor) as TF.Scalar;
  };
  const step = (i: number) => void optimizer.minimize(() => loss(i));
  for (let i = 0; i < input.warmup; i++) step(i);
  await new Promise<void>((resolve) => {
    port.once('message', () => resolve());
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  });
  const t0 = performance.now();
  for (let i = 0; i < input.steps; i++) step(input.warmup + i);
  const ms = performance.now() - t0;
  const breakdown = input.breakdown ? await measureBreakdown() : undefined;
  port.postMessage({ type: 'done', ms, breakdown } satisfies FromWorker);

  async function measureBreakdown(): Promise<Breakdown> {
    const reps = 5;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const timeIt = (fn: (i: number) => void) =>
      median(
        Array.from({ length: reps }, (_, i) => {
          const t = performance.now();
          fn(i);
          return performance.now() - t;
        }),
      );
    const forwardMs = timeIt((i) => tf.tidy(() => loss(i).dataSync()));
    // Gradients, then Adam's update on them, timed separately (each synchronised by reading the result back).
    const gradMs: number[] = [];
    const adamMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => loss(i));
      for (const g of Object.values(grads)) g.dataSync();
      const t1 = performance.now();
      const registry = tf.engine().registeredVariables;
      optimizer.step(
        Object.keys(grads).map((name) => registry[name]!),
        Object.values(grads).map((g) => g.dataSync() as Float32Array),
      );
      for (const w of model.trainableWeights) w.read().dataSync();
      adamMs.push(performance.now() - t1);
      gradMs.push(t1 - t0);
      value.dispose();
      tf.dispose(grads);
    }
    const fwdBwdMs = median(gradMs);
    const optimizerMs = median(adamMs);
    const stepMs = timeIt(step);
    const info = await tf.profile(() => step(0));
    return {
      forwardMs: round(forwardMs, 1),
      backwardMs: round(fwdBwdMs - forwardMs, 1),
      optimizerMs: round(optimizerMs, 1),
      stepMs: round(stepMs, 1),
      ...(backend === 'wasm' ? { wasmThreads: getThreadsCount() } : {}),
      ...(backend === 'tensorflow' ? { tensorflowIntraOpThreads: Number(process.env.TF_NUM_INTRAOP_THREADS) } : {}),
      topKernels: topKernels(info),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// main thread

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function startWorker(data: WorkerInput): Worker {
  const url = new URL(import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: data });
  const source = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(source, { eval: true, workerData: data });
}

/** Runs `threads` workers on disjoint batches; returns summed images/s and worker 0's breakdown. */
async function nasmeshThroughput(
  backend: BackendName,
  spec: NetworkSpec,
  batches: Batch[],
  threads: number,
  steps: number,
  warmup: number,
  breakdown: boolean,
): Promise<{ imagesPerSecond: number; breakdown?: Breakdown }> {
  const perWorker = Math.floor(batches.length / threads);
  const workers = Array.from({ length: threads }, (_, w) =>
    startWorker({
      backend,
      spec,
      batches: batches.slice(w * perWorker, (w + 1) * perWorker),
      steps,
      warmup,
      breakdown: breakdown && w === 0,
    }),
  );
  const next = (worker: Worker) =>
    new Promise<FromWorker>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        worker.off('error', reject);
        resolve(m);
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
  try {
    const ready = await Promise.all(workers.map(next));
    if (ready.some((m) => m.type !== 'ready')) throw new Error(`worker failed: ${JSON.stringify(ready)}`);
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    let imagesPerSecond = 0;
    let bd: Breakdown | undefined;
    for (const r of results) {
      if (r.type !== 'done') throw new Error(`worker failed: ${JSON.stringify(r)}`);
      imagesPerSecond += (steps * BATCH) / (r.ms / 1000);
      bd ??= r.breakdown;
    }
    return { imagesPerSecond, breakdown: bd };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

interface PytorchResult {
  name: string;
  imagesPerSecond: number;
  torchVersion: string;
}

function pytorchThroughput(
  python: string,
  dir: string,
  cases: NetworkCase[],
  batches: Batch[],
  threads: number,
  steps: number,
  warmup: number,
  profile: boolean,
): { results: PytorchResult[]; error?: string } {
  // x: float32 NHWC batches back to back, then y: int32 labels; little-endian (as on every machine we run on).
  const xs = new Float32Array(batches.length * BATCH * INPUT[0] * INPUT[1] * INPUT[2]);
  const ys = new Int32Array(batches.length * BATCH);
  batches.forEach((b, i) => {
    xs.set(b.x, i * b.x.length);
    ys.set(b.y, i * BATCH);
  });
  const dataFile = join(dir, 'batches.bin');
  writeFileSync(dataFile, Buffer.concat([Buffer.from(xs.buffer), Buffer.from(ys.buffer)]));
  const specFile = join(dir, 'networks.json');
  writeFileSync(
    specFile,
    JSON.stringify({ batchSize: BATCH, batches: batches.length, inputShape: INPUT, classes: CLASSES, networks: cases }),
  );
  const script = join(dirname(fileURLToPath(import.meta.url)), 'train-throughput.py');
  const args = [script, '--networks', specFile, '--data', dataFile, '--threads', String(threads)];
  args.push('--steps', String(steps), '--warmup', String(warmup));
  if (profile) args.push('--profile');
  const out = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (out.error) return { results: [], error: `${python}: ${out.error.message}` };
  if (out.status !== 0) return { results: [], error: `${python} exited with ${out.status}` };
  return { results: JSON.parse(out.stdout.trim().split('\n').pop()!) as PytorchResult[] };
}

function parseArgs(argv: string[]) {
  const opts = {
    threads: 1,
    json: undefined as string | undefined,
    steps: 20,
    warmup: 3,
    breakdown: false,
    pytorch: true,
    python: process.env.NASMESH_PYTHON ?? '/usr/bin/python3',
    network: undefined as string | undefined,
    backend: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a non-negative integer`);
      return n;
    };
    if (a === '--threads') opts.threads = Math.max(1, int());
    else if (a === '--json') opts.json = value();
    else if (a === '--steps') opts.steps = Math.max(1, int());
    else if (a === '--warmup') opts.warmup = int();
    else if (a === '--breakdown') opts.breakdown = true;
    else if (a === '--no-pytorch') opts.pytorch = false;
    else if (a === '--python') opts.python = value();
    else if (a === '--network') opts.network = value();
    else if (a === '--backend') opts.backend = value();
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const load0 = loadavg()[0]!;
  const { loadDataset, batches: batchesOf } = await import('../src/data/index.js');
  const { Rng } = await import('../src/util/rng.js');
  const ds = await loadDataset({ name: 'mnist' });
  const perWorker = 8;
  const all: Batch[] = [];
  for (const b of batchesOf(ds.train, BATCH, new Rng(0), { normalize: ds.stats })) {
    if (all.length === perWorker * opts.threads) break;
    all.push(b);
  }
  let cases: NetworkCase[] = [
    { name: 'reference-cnn', spec: await referenceSpec() },
    { name: 'enas-micro', spec: await enasMicroSpec() },
  ];
  if (opts.network !== undefined) cases = cases.filter((c) => c.name === opts.network);
  if (cases.length === 0) throw new Error(`no network named ${opts.network}`);

  const backends = await availableBackends(opts.backend);
  const networks = [];
  let torchVersion: string | undefined;
  const { specCost } = await import('../src/train/cost.js');
  for (const c of cases) console.log(`${c.name}: ${specCost(c.spec).trainableParams} trainable parameters (nasmesh graph)`);
  console.log(
    `threads ${opts.threads}, batch ${BATCH}, ${opts.warmup} warm-up + ${opts.steps} timed steps, Adam; backends ${backends.join(', ')}`,
  );
  for (const c of cases) {
    // PyTorch runs right before nasmesh on each network, so both see about the same machine load.
    let pytorch: PytorchResult[] = [];
    if (opts.pytorch) {
      const dir = mkdtempSync(join(tmpdir(), 'nasmesh-throughput-'));
      try {
        // PyTorch gets the first `perWorker` batches (worker 0's) in single- and multi-thread runs alike.
        const r = pytorchThroughput(opts.python, dir, [c], all.slice(0, perWorker), opts.threads, opts.steps, opts.warmup, opts.breakdown);
        if (r.error) console.error(`PyTorch run failed (${r.error}); reporting nasmesh only`);
        pytorch = r.results;
        torchVersion ??= pytorch[0]?.torchVersion;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const pt = pytorch.find((p) => p.name === c.name)?.imagesPerSecond ?? null;
    console.log(`${c.name.padEnd(14)} pytorch ${pt === null ? 'n/a' : `${round(pt)} img/s`}`);
    for (const backend of backends) {
      const n = await nasmeshThroughput(backend, c.spec, all, opts.threads, opts.steps, opts.warmup, opts.breakdown);
      const ratio = pt === null ? null : round(n.imagesPerSecond / pt, 3);
      networks.push({
        name: c.name,
        backend,
        nasmeshImagesPerSecond: round(n.imagesPerSecond),
        pytorchImagesPerSecond: pt === null ? null : round(pt),
        ratio,
        ...(n.breakdown ? { nasmeshBreakdown: n.breakdown } : {}),
      });
      console.log(`${c.name.padEnd(14)} ${backend.padEnd(10)} ${round(n.imagesPerSecond)} img/s   nasmesh/pytorch ${ratio ?? 'n/a'}`);
      if (n.breakdown) {
        const b = n.breakdown;
        const pool = b.wasmThreads !== undefined ? `wasm threads ${b.wasmThreads}` : `intra-op threads ${b.tensorflowIntraOpThreads}`;
        console.log(`  step ${b.stepMs} ms: forward ${b.forwardMs}, backward ${b.backwardMs}, optimizer ${b.optimizerMs} (${pool})`);
        for (const k of b.topKernels) console.log(`    ${k.kernel.padEnd(40)} ${String(k.ms).padStart(8)} ms  x${k.calls}`);
      }
    }
  }
  // The 1-minute load average before and after: other processes on the machine skew every number here.
  const report = {
    threads: opts.threads,
    networks,
    ...(torchVersion ? { torchVersion } : {}),
    loadAverage1m: { start: round(load0, 2), end: round(loadavg()[0]!, 2) },
  };
  if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * The backends to measure: the one named, or every training backend that initialises here (the pure-JS `cpu` is
 * too slow to train these networks and is measured only when named). Says why each one left out was.
 */
async function availableBackends(named: string | undefined): Promise<BackendName[]> {
  const { BACKENDS, configureTensorflow, initBackend } = await import('../src/tf/backend.js');
  if (named !== undefined && !(BACKENDS as readonly string[]).includes(named))
    throw new Error(`--backend must be one of ${BACKENDS.join(', ')}`);
  // Before libtensorflow first starts in this process: one intra-op thread, so each worker computes in its own thread.
  configureTensorflow(1);
  const wanted = named !== undefined ? [named as BackendName] : (['tensorflow', 'wasm'] as BackendName[]);
  const out: BackendName[] = [];
  for (const name of wanted) {
    const got = await initBackend(name).catch((err: unknown) => `failed: ${(err as Error).message}`);
    if (got === name) out.push(name);
    else console.error(`backend ${name} unavailable (${got}); not measured`);
  }
  if (out.length === 0) throw new Error('no backend to measure');
  return out;
}

if (isMainThread) {
  await main();
} else {
  await runWorker(workerData as WorkerInput).catch((err: unknown) => {
    parentPort!.postMessage({ type: 'error', message: String(err instanceof Error ? err.stack : err) } satisfies FromWorker);
  });
}
