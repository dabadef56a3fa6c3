import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ConnectionOptions } from 'nats';
import { loadDataset } from '../../src/data/load.js';
import { runLocalSession } from '../../src/search/local-session.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import { parseWith } from '../../src/util/schema.js';
import { Controller } from '../../services/common/grpc/controller-client.js';
import { candidateRecord } from '../../services/common/messages/candidate.js';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { SearchEvents } from '../../services/common/nats/events.js';
import { SearchPhase, type SearchDocument } from '../../services/gen/nasmesh/v1/common.js';
import type { Search } from '../../services/gen/nasmesh/v1/controller.js';
import { searchEventCodec } from '../../services/common/messages/search-event-codec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A service started as its own process (`nasmesh serve <name>`) on 127.0.0.1.
 */
/** Test hooks of a service process (not flags: `nasmesh serve --help` shows none). */
export interface ServiceHooks {
  /** Evaluators wait this long before each evaluation. */
  readonly evaluationDelayMs?: number;
}
const TEST_DELAY_ENV = 'NASMESH_TEST_EVALUATION_DELAY_MS';

export class ServiceProcess {
  private output = '';
  readonly exited: Promise<unknown>;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly address: string,
    readonly metricsUrl: string,
  ) {
    this.exited = once(child, 'exit');
    process.once('exit', this.killOnExit);
  }

  /**
   * Starts it and resolves once it prints its gRPC address and metrics URL. The tests' tables and datasets live in
   * temporary directories: that is the services' data root unless `extra` names one.
   */
  static async start(name: ServiceName, natsUrl: string, extra: string[] = [], o: ServiceHooks = {}): Promise<ServiceProcess> {
    const dataRoot = extra.includes('--data-root') ? [] : ['--data-root', tmpdir()];
    // The latency-profiler reads no data and uses no NATS.
    const mesh = name === 'latency-profiler' ? [] : [...dataRoot, '--nats', natsUrl];
    const args = ['--import', 'tsx', 'cli/main.ts', 'serve', name, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', ...mesh];
    const env = { ...process.env, ...(o.evaluationDelayMs ? { [TEST_DELAY_ENV]: String(o.evaluationDelayMs) } : {}) };
    const child = spawn(process.execPath, [...args, ...extra], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // NASMESH_SERVICE_LOGS=<dir> keeps every service's whole output, for debugging a long run.
    const keep = process.env.NASMESH_SERVICE_LOGS;
    if (keep) {
      const file = createWriteStream(join(keep, `${name}-${child.pid}.log`));
      child.stdout!.pipe(file);
      child.stderr!.pipe(file);
    }
    let log = '';
    child.stderr!.on('data', (d) => (log = (log + String(d)).slice(-8000)));
    const lines = createInterface({ input: child.stdout! });
    let address: string | undefined;
    let metricsUrl: string | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        log = (log + line + '\n').slice(-8000);
        address ??= /listening on (\S+)$/.exec(line)?.[1];
        metricsUrl ??= /metrics on (\S+)$/.exec(line)?.[1];
        if (address && metricsUrl) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${log}`)));
    });
    await ready;
    const service = new ServiceProcess(name, child, address!, metricsUrl!);
    service.output = log;
    child.stderr!.on('data', (d) => (service.output = (service.output + String(d)).slice(-8000)));
    lines.on('line', (line) => (service.output = (service.output + line + '\n').slice(-8000)));
    return service;
  }

  /** What it printed lately, for failure messages. */
  get log(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      await this.exited;
    }
    process.off('exit', this.killOnExit);
  }

  async scrape(): Promise<string> {
    const response = await fetch(this.metricsUrl);
    if (!response.ok) throw new Error(`${this.metricsUrl}: HTTP ${response.status}`);
    return response.text();
  }
}

export type ServiceName = 'controller' | 'evaluator' | 'latency-profiler' | 'supernet-trainer';

/** Runs `nasmesh <args>` as a user would; resolves with its exit code and output. */
export function nasmesh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return nasmeshWithEnv({}, ...args);
}

/** `nasmesh <args>` with `env` added to its environment. */
export async function nasmeshWithEnv(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const options = { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], options);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** The service processes and controller clients of a test suite, stopped together in its `after`. */
export class MeshProcesses {
  private readonly services: ServiceProcess[] = [];
  private readonly clients: Controller[] = [];

  /** `natsUrl`: asked at each start, since a suite may start a new nats-server per scenario. */
  constructor(private readonly natsUrl: () => string) {}

  readonly start = async (name: ServiceName, extra: string[] = [], hooks: ServiceHooks = {}): Promise<ServiceProcess> => {
    const service = await ServiceProcess.start(name, this.natsUrl(), extra, hooks);
    this.services.push(service);
    return service;
  };

  readonly connect = (service: ServiceProcess): Controller => {
    const client = new Controller(service.address);
    this.clients.push(client);
    return client;
  };

  async stopAll(): Promise<void> {
    this.clients.splice(0).forEach((c) => c.close());
    await Promise.all(this.services.splice(0).map((s) => s.kill()));
  }
}

/** A benchmark-mode NASSearch over `table` (validated, defaults filled in). */
export function benchmarkSearch(name: string, table: string, candidates: number, overrides: Record<string, unknown> = {}): SearchSpec {
  return parseWith(
    searchSpecSchema,
    {
      apiVersion: 'nasmesh.io/v1alpha1',
      kind: 'NASSearch',
      metadata: { name },
      spec: {
        seed: 7,
        space: { name: 'nb201' },
        strategy: { name: 'reinforce' },
        evaluation: { mode: 'benchmark', table },
        budget: { candidates },
        ...overrides,
      },
    },
    '',
  );
}

/** The same search with another name, as a CreateSearch document. */
export function renamed(search: SearchSpec, name: string): SearchDocument {
  return documentFromSpec({ ...search, metadata: { ...search.metadata, name } });
}

/** The search run embedded (runLocalSession, in this process): the reference the mesh must reproduce. */
export async function embeddedCandidates(search: SearchSpec): Promise<CandidateRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-embedded-'));
  // Weight sharing trains its supernet in this process, on the search's dataset.
  const data = search.spec.evaluation.mode === 'weight-sharing' ? await loadDataset(search.spec.dataset) : undefined;
  try {
    return [
      ...(await runLocalSession(search, {
        store: new MemorySearchStore(),
        candidatesFile: join(dir, 'candidates.jsonl'),
        ...(data ? { data } : {}),
      })),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What must agree between two runs of one search: which architecture each index is, and its reward. */
export function outcome(candidates: readonly CandidateRecord[]) {
  return candidates.map(({ index, hash, architecture, accuracy, reward, params, flops }) => ({
    index,
    hash,
    arch: architecture.arch,
    accuracy,
    reward,
    params,
    flops,
  }));
}

/** Polls GetSearch until the search is in `phase`; fails on another final phase or after `timeoutMs`. */
export async function waitForPhase(controller: () => Controller, id: string, phase: SearchPhase, timeoutMs = 120_000): Promise<Search> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let search: Search | undefined;
    try {
      search = await controller().getSearch(id);
    } catch {
      // The controller is restarting; ask again.
    }
    if (search?.phase === phase) return search;
    if (search && [SearchPhase.FAILED, SearchPhase.CANCELLED, SearchPhase.SUCCEEDED].includes(search.phase)) {
      throw new Error(`search ${id} ended ${SearchPhase[search.phase]} (${search.message}), not ${SearchPhase[phase]}`);
    }
    if (Date.now() > deadline) throw new Error(`search ${id} not ${SearchPhase[phase]} after ${timeoutMs} ms: ${JSON.stringify(search)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The search's evaluated candidates as WatchSearch reports them, from its creation to its end. */
export async function watchedCandidates(controller: Controller, id: string): Promise<CandidateRecord[]> {
  const candidates: CandidateRecord[] = [];
  for await (const { event } of controller.watch(id)) {
    if (event?.$case === 'candidateEvaluated') candidates.push(candidateRecord(event.value.candidate!));
  }
  return candidates.sort((a, b) => a.index - b.index);
}

/** Waits until WatchSearch has reported `n` evaluated candidates of a search. */
export async function evaluatedAtLeast(controller: Controller, id: string, n: number): Promise<void> {
  const abort = new AbortController();
  let seen = 0;
  for await (const { event } of controller.watch(id, abort.signal)) {
    if (event?.$case === 'candidateEvaluated' && ++seen >= n) break;
  }
  abort.abort();
  if (seen < n) throw new Error(`search ${id} ended after ${seen} evaluated candidates, before ${n}`);
}

/**
 * How often each candidate's `evaluated` event is in the events stream itself (not de-duplicated as WatchSearch
 * does): a restarted controller that published a result's event twice shows up here.
 */
export async function evaluatedEventCounts(
  natsUrl: string,
  id: string,
  security?: Partial<ConnectionOptions>,
): Promise<Map<number, number>> {
  const nc = await connectNats({ servers: natsUrl, name: 'test-events-reader', ...(security ? { security } : {}) });
  const counts = new Map<number, number>();
  const abort = new AbortController();
  try {
    const events = await SearchEvents.open(nc, searchEventCodec);
    for await (const e of events.replay(id, { signal: abort.signal })) {
      const { event } = e.event;
      if (event?.$case === 'candidateEvaluated') {
        const index = event.value.candidate!.index;
        counts.set(index, (counts.get(index) ?? 0) + 1);
      }
      if (e.pending === 0) break;
    }
  } finally {
    abort.abort();
    await closeNats(nc);
  }
  return counts;
}
