import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { ConnectionOptions } from 'nats';
import type { CandidateRecord } from '../src/search/types.js';
import { Rng } from '../src/util/rng.js';
import { Controller } from '../services/common/grpc/controller-client.js';
import { closeNats, connectNats } from '../services/common/nats/connection.js';
import { NatsSearchStore } from '../services/common/nats/nats-search-store.js';
import { ClientSecurity } from '../services/common/security/client-security.js';
import { SearchPhase } from '../services/gen/nasmesh/v1/common.js';
import { benchmarkSearch, embeddedCandidates, evaluatedEventCounts, outcome, renamed, ServiceProcess } from '../test/mesh/mesh.js';
import { writeSyntheticNb201Table } from '../test/mesh/synthetic-table.js';
import { freePort, NatsServer } from '../test/support/nats-server.js';
import { TestPki } from '../test/support/pki.js';
import { secureNats } from '../test/support/secure-nats.js';

export interface SoakOptions {
  /**
   * How long searches are created while the chaos loop runs, and longer if need be until each kind of process has been
   * killed once (restarts are slower on a loaded machine); then every search is let finish.
   */
  readonly seconds: number;
  /** Searches running at once. */
  readonly concurrency: number;
  readonly evaluators: number;
  /** Candidates per search. */
  readonly candidates: number;
  /** Mean time between two kills. */
  readonly chaosEverySeconds: number;
  /** Seeds the chaos: which process is killed, how, and when. */
  readonly seed: number;
  /** TLS, client certificates and credentials for gRPC and NATS (the default), or plaintext on loopback. */
  readonly secure: boolean;
  /** How long the searches left at the end may take to finish. */
  readonly drainSeconds: number;
  readonly log: (line: string) => void;
}

/** One sample of the mesh's memory: resident set sizes in MB (0 for a process down at that moment). */
export interface RssSample {
  readonly seconds: number;
  readonly controllerMb: number;
  /** Each evaluator's; the first is never killed (the witness of a whole run). */
  readonly evaluatorMb: number[];
  readonly natsMb: number;
}

export interface SoakReport {
  readonly searches: number;
  readonly candidates: number;
  readonly kills: number;
  /** Candidates of a finished search missing from the store. */
  readonly lost: number;
  /** Candidate results announced more than once (evaluated events beyond one per index). */
  readonly duplicated: number;
  /** Stored candidates whose architecture or reward differs from the same search run embedded. */
  readonly mismatched: number;
  /** Searches that ended other than succeeded, or not within the drain time. */
  readonly failedSearches: number;
  /**
   * The services' memory (the controller and the evaluators together): the median over the first minute after
   * warm-up and over the last minute of the chaos, of the samples where every one of them was up.
   */
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  /** The evaluator that is never killed, so lives through the whole run: start and end as above. */
  readonly witnessEvaluatorRssStartMb: number;
  readonly witnessEvaluatorRssEndMb: number;
  /** The nats-server's, which holds every search's records, events and checkpoints, so grows with the run. */
  readonly natsRssStartMb: number;
  readonly natsRssEndMb: number;
  readonly p50CreateSearchMs: number;
  readonly p99CreateSearchMs: number;
  readonly p50GetSearchMs: number;
  readonly p99GetSearchMs: number;
  readonly killsByTarget: Record<Target, number>;
  /** Calls that found no controller (it was down), retried. */
  readonly unavailableCalls: number;
  readonly secure: boolean;
  readonly rss: RssSample[];
}

type Target = 'evaluator' | 'controller' | 'nats-server';

const WRITER_TOKEN = 'soak-writer-token-0123456789';

/**
 * The mesh under load and chaos: `concurrency` benchmark searches at a time on a controller and `evaluators`
 * evaluators, while a seeded chaos loop kills (SIGKILL or SIGTERM) and restarts evaluators, the controller and the
 * nats-server. Every search must end succeeded with exactly the embedded run's candidates, each stored and announced
 * once; CreateSearch and GetSearch latencies and the processes' memory are measured throughout.
 */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const rng = new Rng(o.seed);
  const scratch = mkdtempSync(join(tmpdir(), 'nasmesh-soak-'));
  const pki = o.secure ? TestPki.create() : undefined;
  const natsSetup = pki ? secureNats(pki) : undefined;
  const nats = await NatsServer.start(natsSetup?.secured);
  const natsClient: Partial<ConnectionOptions> = natsSetup?.secured.client ?? {};
  writeSyntheticNb201Table(scratch);
  const search = benchmarkSearch('soak', 'nb201-synthetic.csv', o.candidates);
  const expected = outcome(await embeddedCandidates(benchmarkSearch('soak', join(scratch, 'nb201-synthetic.csv'), o.candidates)));

  let flags = ['--data-root', scratch];
  let clientSecurity = ClientSecurity.plaintext();
  if (pki && natsSetup) {
    const service = pki.issue('nasmesh-service');
    writeFileSync(join(pki.dir, 'access.yaml'), `tokens: [{name: soak, role: writer, token: ${WRITER_TOKEN}}]\n`);
    writeFileSync(join(pki.dir, 'token'), WRITER_TOKEN);
    flags = [...flags, '--tls-cert', service.cert, '--tls-key', service.key, '--tls-ca', pki.ca, ...natsSetup.flags];
    clientSecurity = ClientSecurity.from({ tlsCa: pki.ca, tokenFile: join(pki.dir, 'token') });
  }
  const controllerPort = await freePort();
  const controllerFlags = [...flags, '--port', String(controllerPort), ...(pki ? ['--access-file', join(pki.dir, 'access.yaml')] : [])];
  const evaluatorFlags = [...flags, '--ack-wait-ms', '3000'];
  const startController = () => ServiceProcess.start('controller', nats.url, controllerFlags);
  const startEvaluator = () => ServiceProcess.start('evaluator', nats.url, evaluatorFlags);

  let controller = await startController();
  const evaluators = await Promise.all(Array.from({ length: o.evaluators }, startEvaluator));
  const client = new Controller(controller.address, clientSecurity);

  const createMs: number[] = [];
  const getMs: number[] = [];
  let unavailable = 0;
  const timed = async <T>(into: number[], call: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    try {
      const value = await call();
      into.push(performance.now() - started);
      return value;
    } catch (e) {
      const code = (e as ServiceError).code;
      if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED || code === status.CANCELLED) {
        unavailable++;
        return undefined;
      }
      throw e;
    }
  };

  const killsByTarget: Record<Target, number> = { evaluator: 0, controller: 0, 'nats-server': 0 };
  const rss: RssSample[] = [];
  const began = performance.now();
  const elapsed = () => (performance.now() - began) / 1000;
  let chaosOn = true;
  let everyTargetKilled = false;
  const active = new Set<string>();

  // Memory every 5 s of the whole run.
  const sampling = (async () => {
    while (chaosOn || active.size > 0) {
      rss.push({
        seconds: Math.round(elapsed()),
        controllerMb: rssMb(controller.pid),
        evaluatorMb: evaluators.map((e) => round(rssMb(e.pid))),
        natsMb: rssMb(nats.pid),
      });
      await sleep(5_000);
    }
  })();

  // The chaos loop: the first three kills are one of each target, then seeded random ones.
  const chaos = (async () => {
    const order: Target[] = ['evaluator', 'controller', 'nats-server'];
    for (let n = 0; chaosOn; n++) {
      if (n === order.length) everyTargetKilled = true;
      await sleep(o.chaosEverySeconds * 1000 * (0.5 + rng.next()));
      if (!chaosOn) break;
      const target: Target =
        n < order.length
          ? order[n]!
          : pick(rng, [
              ['evaluator', 6],
              ['controller', 2],
              ['nats-server', 2],
            ]);
      const signal = rng.next() < 0.7 ? 'SIGKILL' : 'SIGTERM';
      const downMs = rng.int(2_000);
      killsByTarget[target]++;
      o.log(`${elapsed().toFixed(0)} s: ${signal} ${target}, back after ${downMs} ms`);
      if (target === 'evaluator') {
        // Never the first: it lives through the whole run, the witness of a process's memory over time.
        const i = 1 + rng.int(evaluators.length - 1);
        await evaluators[i]!.kill(signal);
        await sleep(downMs);
        evaluators[i] = await startEvaluator();
      } else if (target === 'controller') {
        await controller.kill(signal);
        await sleep(downMs);
        controller = await startController();
      } else {
        await nats.restart(signal);
      }
    }
  })();

  // Searches: `concurrency` at a time, each followed with GetSearch until it ends.
  const ended = new Map<string, SearchPhase | 'timeout'>();
  let created = 0;
  const follow = async (id: string) => {
    const deadline = () => !chaosOn && elapsed() > o.seconds + o.drainSeconds;
    for (;;) {
      const s = await timed(getMs, () => client.getSearch(id)).catch((e: ServiceError) => {
        if (e.code === status.NOT_FOUND) return undefined; // created by a call whose answer was lost: not yet stored
        throw e;
      });
      if (s && [SearchPhase.SUCCEEDED, SearchPhase.FAILED, SearchPhase.CANCELLED].includes(s.phase)) {
        ended.set(id, s.phase);
        if (s.phase !== SearchPhase.SUCCEEDED) o.log(`${id} ended ${SearchPhase[s.phase]}: ${s.message}`);
        break;
      }
      if (deadline()) {
        ended.set(id, 'timeout');
        break;
      }
      await sleep(500);
    }
    active.delete(id);
  };
  const followers: Promise<void>[] = [];
  let chaosEnded = false; // by an error, which `await chaos` below reports
  void chaos.then(
    () => (chaosEnded = true),
    () => (chaosEnded = true),
  );
  while (elapsed() < o.seconds || (!everyTargetKilled && !chaosEnded)) {
    if (active.size >= o.concurrency) {
      await sleep(100);
      continue;
    }
    const id = `soak-${created}`;
    const made = await timed(createMs, () => client.createSearch(renamed(search, id))).catch((e: ServiceError) => {
      // A retry of a creation whose answer was lost finds it created.
      if (e.code === status.ALREADY_EXISTS) return true;
      if (e.code === status.RESOURCE_EXHAUSTED) return undefined;
      throw e;
    });
    if (made === undefined) {
      await sleep(300);
      continue;
    }
    created++;
    active.add(id);
    followers.push(follow(id));
  }
  chaosOn = false;
  o.log(
    `${elapsed().toFixed(0)} s: chaos over after ${Object.values(killsByTarget).reduce((a, b) => a + b, 0)} kills; ${active.size} searches to finish`,
  );
  await chaos;
  await Promise.all(followers);
  await sampling;

  // Verification from the store and the events stream, search by search.
  let lost = 0;
  let duplicated = 0;
  let mismatched = 0;
  let candidates = 0;
  const nc = await connectNats({ servers: nats.url, name: 'soak-verify', security: natsClient });
  try {
    const store = await NatsSearchStore.open(nc);
    for (const id of ended.keys()) {
      const stored: CandidateRecord[] = await store.listCandidates(id);
      candidates += stored.length;
      const got = new Map(outcome(stored).map((c) => [c.index, c]));
      for (const want of expected) {
        const have = got.get(want.index);
        if (!have) lost++;
        else if (JSON.stringify(have) !== JSON.stringify(want)) mismatched++;
      }
      const counts = await evaluatedEventCounts(nats.url, id, natsClient);
      for (const n of counts.values()) duplicated += Math.max(0, n - 1);
    }
  } finally {
    await closeNats(nc);
  }
  client.close();
  clientSecurity.close();
  await Promise.all([controller.kill('SIGTERM'), ...evaluators.map((e) => e.kill('SIGTERM'))]);
  await nats.dispose();
  pki?.dispose();
  rmSync(scratch, { recursive: true, force: true });

  // Start: the minute after a tenth of the run (every process warmed up); end: the chaos phase's last minute.
  const warm = o.seconds / 10;
  const first = rss.filter((s) => s.seconds >= warm && s.seconds < warm + 60);
  const last = rss.filter((s) => s.seconds > o.seconds - 60 && s.seconds <= o.seconds);
  const up = (s: RssSample) => s.controllerMb > 0 && s.evaluatorMb.every((mb) => mb > 0);
  const services = (samples: RssSample[]) =>
    median(samples.filter(up).map((s) => s.controllerMb + s.evaluatorMb.reduce((a, b) => a + b, 0)));
  const witness = (samples: RssSample[]) => median(samples.map((s) => s.evaluatorMb[0] ?? 0));
  const natsOf = (samples: RssSample[]) => median(samples.filter((s) => s.natsMb > 0).map((s) => s.natsMb));
  return {
    searches: ended.size,
    candidates,
    kills: Object.values(killsByTarget).reduce((a, b) => a + b, 0),
    lost,
    duplicated,
    mismatched,
    failedSearches: [...ended.values()].filter((p) => p !== SearchPhase.SUCCEEDED).length,
    rssStartMb: round(services(first)),
    rssEndMb: round(services(last)),
    witnessEvaluatorRssStartMb: round(witness(first)),
    witnessEvaluatorRssEndMb: round(witness(last)),
    natsRssStartMb: round(natsOf(first)),
    natsRssEndMb: round(natsOf(last)),
    p50CreateSearchMs: round(percentile(createMs, 0.5)),
    p99CreateSearchMs: round(percentile(createMs, 0.99)),
    p50GetSearchMs: round(percentile(getMs, 0.5)),
    p99GetSearchMs: round(percentile(getMs, 0.99)),
    killsByTarget,
    unavailableCalls: unavailable,
    secure: o.secure,
    rss,
  };
}

function pick<T>(rng: Rng, weighted: readonly (readonly [T, number])[]): T {
  return weighted[rng.categorical(weighted.map(([, w]) => w))]![0];
}

/** Resident set size of a process in MB (0 once it is gone). */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
