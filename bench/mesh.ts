/**
 * The mesh's overhead per evaluation (controller → work queue → evaluator → result → policy update) against the same
 * search embedded, with benchmark-mode evaluators (a table look-up: what is left is the mesh's own cost).
 *
 *  - embedded: `nasmesh run`'s path (runEmbeddedSearch: a SearchSession over a local-directory store, evaluating in
 *    this process);
 *  - engine only: the same session over an in-memory store that drops checkpoints (the strategy still builds them):
 *    the strategy's own time, the floor of both;
 *  - mesh: a real nats-server, the controller and 1, 2 and 4 evaluator processes on 127.0.0.1, the search submitted
 *    over gRPC and timed from CreateSearch to its `finished` event (WatchSearch). The controller runs with its
 *    default checkpoint interval, and once more checkpointing after every policy step as the embedded run does.
 *
 * Embedded, engine-only and mesh runs alternate, three rounds, and the best of each counts: on a shared machine the
 * background load comes and goes, and the best run is the one it disturbed least.
 *
 * The mesh's time per candidate is split by what the controller measures: `seconds` of each candidate is the wall
 * time from publishing its job to receiving its result (queue, evaluator, result stream).
 *
 * The overhead's spec evaluates one candidate per policy step (candidatesPerStep 1, the default), so a search is a
 * chain of round trips and more evaluators cannot make it faster: its candidates/s with 1, 2 and 4 evaluators are
 * printed, and kept in the JSON as `serialCandidatesPerSecond`. The JSON's `candidatesPerSecond` measures scaling
 * where evaluators can work in parallel: 8 candidates per step, each evaluation made to take 50 ms (the evaluator's
 * test hook), printed beside what the evaluations alone would allow.
 *
 * Run: npm run bench:mesh -- [--json out.json] [--candidates 100] [--table bench/tables/nb201-cifar10.csv]
 *      [--strategy reinforce] [--seed 0]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEmbeddedSearch } from '../src/search/embedded-search.js';
import { runLocalSession } from '../src/search/local-session.js';
import { MemorySearchStore } from '../src/store/memory-store.js';
import { initBackend } from '../src/tf/backend.js';
import { Controller } from '../services/common/grpc/controller-client.js';
import { candidateRecord } from '../services/common/messages/candidate.js';
import { benchmarkSearch, renamed, type ServiceHooks, ServiceProcess } from '../test/mesh/mesh.js';
import { NatsServer } from '../test/support/nats-server.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    candidates: { type: 'string', default: '100' },
    table: { type: 'string', default: 'bench/tables/nb201-cifar10.csv' },
    strategy: { type: 'string', default: 'reinforce' },
    seed: { type: 'string', default: '0' },
  },
});
const N = Number(args.candidates);
const EVALUATORS = [1, 2, 4] as const;

const search = benchmarkSearch('bench', args.table!, N, { seed: Number(args.seed), strategy: { name: args.strategy } });

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

async function embedded(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-bench-'));
  try {
    return (await timed(() => runEmbeddedSearch(search, { outDir: dir }))).ms / N;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keeps no checkpoint: the in-memory store's deep copy of one costs as much as the strategy's step. */
class CheckpointDroppingStore extends MemorySearchStore {
  override async putCheckpoint(): Promise<void> {}
}

async function engineOnly(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-bench-'));
  try {
    const run = () => runLocalSession(search, { store: new CheckpointDroppingStore(), candidatesFile: join(dir, 'c.jsonl') });
    return (await timed(run)).ms / N;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MeshRun {
  msPerCandidate: number;
  /** Mean publish-job-to-result time per candidate. */
  roundTripMs: number;
}

/** One search on a running mesh: wall time from CreateSearch to its `finished` event. */
async function meshSearch(client: Controller, name: string, spec = search): Promise<MeshRun> {
  let roundTrip = 0;
  const { ms } = await timed(async () => {
    await client.createSearch(renamed(spec, name));
    for await (const { event } of client.watch(name)) {
      if (event?.$case === 'candidateEvaluated') roundTrip += candidateRecord(event.value.candidate!).seconds * 1000;
      if (event?.$case === 'failed') throw new Error(`search ${name} failed: ${event.value.message}`);
    }
  });
  return { msPerCandidate: ms / N, roundTripMs: roundTrip / N };
}

/** A nats-server, a controller and evaluators (more can be added) on 127.0.0.1. */
// The table is a path in the checkout, as the embedded run reads it: the checkout is the evaluators' data root.
const EVALUATOR_ARGS = ['--modes', 'benchmark', '--data-root', process.cwd()];

class Mesh {
  private searches = 0;

  private constructor(
    private readonly nats: NatsServer,
    private readonly services: ServiceProcess[],
    readonly client: Controller,
    private readonly evaluatorHooks: ServiceHooks,
  ) {}

  static async start(controllerArgs: string[] = [], evaluatorHooks: ServiceHooks = {}): Promise<Mesh> {
    const nats = await NatsServer.start();
    const controller = await ServiceProcess.start('controller', nats.url, controllerArgs);
    return new Mesh(nats, [controller], new Controller(controller.address), evaluatorHooks);
  }

  get evaluators(): number {
    return this.services.length - 1;
  }

  async addEvaluators(until: number): Promise<void> {
    while (this.evaluators < until)
      this.services.push(await ServiceProcess.start('evaluator', this.nats.url, EVALUATOR_ARGS, this.evaluatorHooks));
  }

  search(spec = search): Promise<MeshRun> {
    return meshSearch(this.client, `bench-${++this.searches}`, spec);
  }

  async stop(): Promise<void> {
    this.client.close();
    await Promise.all(this.services.map((s) => s.kill('SIGTERM')));
    await this.nats.dispose();
  }
}

const best = (runs: MeshRun[]) => runs.reduce((a, b) => (b.msPerCandidate < a.msPerCandidate ? b : a));
const f = (x: number) => x.toFixed(2);
/** Repetitions of each measurement; the best counts, as this machine's other load comes and goes. */
const ROUNDS = 3;

await initBackend();
console.log(
  `${N} candidates, ${args.strategy}, seed ${args.seed}, table ${args.table}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const mesh = await Mesh.start();
await mesh.addEvaluators(1);
// Untimed first runs: connections, streams, consumers, the table and the JIT are warmed up outside the timing.
await mesh.search();
await embedded();
// Embedded, engine-only and mesh runs interleaved, so that each sees the same background load.
const engineRuns: number[] = [];
const embeddedRuns: number[] = [];
const oneRuns: MeshRun[] = [];
for (let r = 0; r < ROUNDS; r++) {
  engineRuns.push(await engineOnly());
  embeddedRuns.push(await embedded());
  oneRuns.push(await mesh.search());
}
const engine = Math.min(...engineRuns);
const embeddedMs = Math.min(...embeddedRuns);
const one = best(oneRuns);
console.log(`engine only (checkpoints not stored): ${f(engine)} ms/candidate`);
console.log(`embedded (nasmesh run):               ${f(embeddedMs)} ms/candidate  (storing checkpoint files ~${f(embeddedMs - engine)})`);
const serial: Record<string, number> = {};
for (const n of EVALUATORS) {
  await mesh.addEvaluators(n);
  const runs = [one];
  if (n > 1) {
    runs.length = 0;
    for (let r = 0; r < ROUNDS; r++) runs.push(await mesh.search());
  }
  const run = best(runs);
  serial[String(n)] = 1000 / run.msPerCandidate;
  console.log(
    `mesh, ${n} evaluator(s):               ${f(run.msPerCandidate)} ms/candidate, ${f(serial[String(n)]!)} candidates/s` +
      `  (job→result ${f(run.roundTripMs)} ms, rest of the step ${f(run.msPerCandidate - run.roundTripMs)} ms)`,
  );
}
console.log('  (1 candidate per policy step: each waits for the update the previous one made, so these are one chain of round trips)');
await mesh.stop();

const everyStepMesh = await Mesh.start(['--checkpoint-interval-ms', '0']);
await everyStepMesh.addEvaluators(1);
await everyStepMesh.search();
const everyStep = best([await everyStepMesh.search(), await everyStepMesh.search()]);
await everyStepMesh.stop();
console.log(
  `mesh, 1 evaluator, checkpoint every step: ${f(everyStep.msPerCandidate)} ms/candidate (job→result ${f(everyStep.roundTripMs)} ms)`,
);

const meshMs = one.msPerCandidate;
console.log(`overhead: ${f(meshMs - embeddedMs)} ms/candidate against embedded, ${f(meshMs - engine)} ms against the engine alone`);

// Scaling, where evaluators can work in parallel: 8 candidates per step, each evaluation made to take 50 ms.
const PER_STEP = 8;
const DELAY_MS = 50;
const batched = benchmarkSearch('batched', args.table!, N, {
  seed: Number(args.seed),
  strategy: { name: args.strategy },
  evaluation: { mode: 'benchmark', table: args.table, candidatesPerStep: PER_STEP },
});
const slowMesh = await Mesh.start([], { evaluationDelayMs: DELAY_MS });
const parallel: Record<string, number> = {};
for (const n of EVALUATORS) {
  await slowMesh.addEvaluators(n);
  await slowMesh.search(batched); // the new evaluators' connections and table, outside the timing
  const runs: MeshRun[] = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await slowMesh.search(batched));
  parallel[String(n)] = 1000 / best(runs).msPerCandidate;
  // The evaluations alone: a step's 8 spread over n evaluators, ceil(8 / n) evaluations after one another.
  const ideal = (1000 * PER_STEP) / (Math.ceil(PER_STEP / n) * DELAY_MS);
  console.log(
    `scaling: ${PER_STEP} candidates/step, ${DELAY_MS} ms evaluations, ${n} evaluator(s): ${f(parallel[String(n)]!)} candidates/s` +
      `  (evaluations alone would allow ${f(ideal)}/s: ${((100 * parallel[String(n)]!) / ideal).toFixed(0)} %)`,
  );
}
await slowMesh.stop();

const load = loadavg().map((l) => Number(l.toFixed(2)));
console.log(`load average at the end: ${load.join(' ')}`);
const result = {
  embeddedMsPerCandidate: embeddedMs,
  meshMsPerCandidate: meshMs,
  overheadMsPerCandidate: meshMs - embeddedMs,
  /** Where evaluators can work in parallel (see candidatesPerSecondSetup). */
  candidatesPerSecond: { '1': parallel['1']!, '2': parallel['2']!, '4': parallel['4']! },
  candidatesPerSecondSetup: `${args.strategy}, ${PER_STEP} candidates per policy step, each evaluation held ${DELAY_MS} ms by the evaluator (its test hook)`,
  /** The overhead's configuration: one candidate per step, a chain that more evaluators cannot shorten. */
  serialCandidatesPerSecond: { '1': serial['1']!, '2': serial['2']!, '4': serial['4']! },
  serialSetup: `${args.strategy}, 1 candidate per policy step, table look-ups: each candidate waits for the previous one's policy update`,
  engineMsPerCandidate: engine,
  checkpointEveryStepMsPerCandidate: everyStep.msPerCandidate,
  loadAverage: load,
};
if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
