import { status } from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import { SearchExistsError, SearchSession } from '../../src/search/search-session.js';
import type { DataRoots } from '../../src/data/data-roots.js';
import type { LatencySource } from '../../src/latency/types.js';
import { latencyMeasurement } from '../../src/reward/spec.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import type { StoredSearch } from '../../src/store/types.js';
import { ValidationError } from '../../src/util/errors.js';
import { GrpcStatusError } from '../common/grpc/status.js';
import { retryTransient } from '../common/nats/retry.js';
import type { ControllerMetrics } from '../common/metrics/controller-metrics.js';
import type { SearchEvents } from '../common/nats/events.js';
import type { TrustedPeers } from '../common/security/trusted-peers.js';
import { documentFromSpec } from '../common/messages/search-document.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';
import { EventPublisher } from './event-publisher.js';
import { assertLatencyMeasurable } from './latency-backend.js';
import type { IntervalCheckpointStore } from '../../src/store/interval-checkpoint-store.js';
import { paretoFront } from './pareto-front.js';
import { policyVersion } from './policy-version.js';
import { bestCandidate, type SearchProgress } from './search-message.js';
import { SearchRun } from './search-run.js';
import type { TrainerLinks } from './trainer-links.js';

/** How long a finished search's metric series stay exported, so that scrapers see its final values. */
const FORGET_AFTER_MS = 10 * 60_000;

export interface SearchesOptions {
  readonly nc: NatsConnection;
  readonly store: IntervalCheckpointStore;
  readonly events: SearchEvents<SearchEvent>;
  readonly metrics: ControllerMetrics;
  readonly log?: (line: string) => void;
  /** Measures candidates' latency for rewards that need it (mnas); without it such searches are refused. */
  readonly latency?: LatencySource;
  /** The supernet-trainers of weight-sharing searches; a search with none is refused. */
  readonly trainers: TrainerLinks;
  /** The trainers a CreateSearch may name besides the controller's own --supernet-trainer. */
  readonly trustedTrainers: TrustedPeers;
  /** Most searches running at once (--max-searches): CreateSearch beyond it is RESOURCE_EXHAUSTED. */
  readonly maxSearches: number;
  /** Where the controller may read a search's dataset (for the network geometry of an mnas reward). */
  readonly data?: DataRoots;
}

/**
 * The controller's searches: creates, runs, cancels and reports them. Each search runs as its own SearchRun (own
 * session, strategy, results consumer and event stream), so many run at once without touching each other. Every
 * fact lives in the store; the runs only hold what a running search adds to it (progress, the newest policy).
 */
export class Searches {
  private readonly runs = new Map<string, SearchRun>();
  private readonly log: (line: string) => void;
  private closing = false;
  /** CreateSearch calls between the cap's check and their run's start: they count against the cap too. */
  private creating = 0;
  /** Searches whose run is being opened. */
  private readonly starting = new Set<string>();
  /** Aborted by shutdown: ends the retries of runs being opened. */
  private readonly stopping = new AbortController();

  constructor(private readonly o: SearchesOptions) {
    this.log = o.log ?? ((line) => console.error(line));
  }

  /** Continues every search a previous controller left pending or running. */
  async resumeAll(): Promise<string[]> {
    const unfinished = (await this.o.store.listSearches()).filter((s) => s.phase === 'pending' || s.phase === 'running');
    const resumed: string[] = [];
    for (const search of unfinished) {
      if (!this.canRun(search)) continue;
      // The controller that created it may have died before `created` was published; the stream drops the copy.
      const events = this.publisher(search.id);
      events.publish({ $case: 'created', value: { document: documentFromSpec(search.spec) } }, 'created');
      await this.start(search, events);
      resumed.push(search.id);
    }
    return resumed;
  }

  /** Whether this controller has what the search needs; if not, it is left for a controller that has. */
  private canRun(search: StoredSearch): boolean {
    const { id, spec } = search;
    if (spec.spec.evaluation.mode === 'weight-sharing' && this.o.trainers.address(search) === undefined) {
      this.log(`search ${id}: left for a controller with --supernet-trainer (it searches with weight sharing)`);
      return false;
    }
    if (latencyMeasurement(spec.spec.reward) && !this.o.latency) {
      // Failing it would be final; a controller started with --latency-profiler resumes it instead.
      this.log(`search ${id}: left for a controller with --latency-profiler (its reward needs measured latency)`);
      return false;
    }
    return true;
  }

  /** `supernetTrainer`: host:port of the trainer of this weight-sharing search, instead of `--supernet-trainer`. */
  async create(spec: SearchSpec, supernetTrainer?: string): Promise<StoredSearch> {
    const { mode } = spec.spec.evaluation;
    if (supernetTrainer !== undefined && mode !== 'weight-sharing') {
      throw new ValidationError(
        'supernetTrainer',
        `only weight-sharing searches have a supernet-trainer; this one evaluates in mode ${mode}`,
      );
    }
    if (mode === 'weight-sharing' && this.o.trainers.address({ supernetTrainer }) === undefined) {
      throw new GrpcStatusError(
        status.FAILED_PRECONDITION,
        'spec.evaluation.mode: weight-sharing searches need a supernet-trainer; name one in CreateSearch (supernetTrainer) or start the controller with --supernet-trainer host:port',
      );
    }
    assertLatencyMeasurable(spec, this.o.latency);
    // The controller dials the trainer a CreateSearch names: one of its own --supernet-trainer, or a trusted one.
    const ownTrainer = this.o.trainers.address({});
    if (supernetTrainer !== undefined && supernetTrainer !== ownTrainer)
      await this.o.trustedTrainers.assertTrusted(supernetTrainer, 'supernetTrainer');
    if (this.runs.size + this.creating >= this.o.maxSearches) {
      throw new GrpcStatusError(
        status.RESOURCE_EXHAUSTED,
        `this controller runs ${this.o.maxSearches} searches, its --max-searches: create the search again once one has ended`,
      );
    }
    this.creating++;
    try {
      const id = spec.metadata.name;
      try {
        // Atomic in the store: of two creations of one id (here or on another controller), one starts the search.
        await SearchSession.create(this.o.store, id, spec, supernetTrainer !== undefined ? { supernetTrainer } : {});
      } catch (e) {
        if (e instanceof SearchExistsError) throw new GrpcStatusError(status.ALREADY_EXISTS, e.message);
        throw e;
      }
      const search = await this.require(id);
      // One publisher from the first event on, so that `created` is stored before the run's events.
      const events = this.publisher(id);
      events.publish({ $case: 'created', value: { document: documentFromSpec(search.spec) } }, 'created');
      await this.start(search, events);
      return search;
    } finally {
      this.creating--;
    }
  }

  /** The stored search; NOT_FOUND when there is none. */
  async require(id: string): Promise<StoredSearch> {
    const search = await this.o.store.getSearch(id);
    if (!search) throw new GrpcStatusError(status.NOT_FOUND, `no search ${id}`);
    return search;
  }

  list(): Promise<StoredSearch[]> {
    return this.o.store.listSearches();
  }

  /** Whether this controller runs the search now: its run publishes the search's end event when it ends. */
  isRunning(id: string): boolean {
    return this.runs.has(id);
  }

  async progress(id: string): Promise<SearchProgress> {
    const run = this.runs.get(id);
    if (run) return { done: run.done, ...(run.best ? { best: run.best } : {}) };
    const candidates = await this.o.store.listCandidates(id);
    const best = bestCandidate(candidates);
    return { done: candidates.length, ...(best ? { best } : {}) };
  }

  /** Cancels a pending or running search; an ended one is returned unchanged. */
  async cancel(id: string): Promise<StoredSearch> {
    const search = await this.require(id);
    const run = this.runs.get(id);
    if (search.spec.spec.evaluation.mode === 'weight-sharing') {
      // Best effort: a trainer that is down finds the search cancelled when it asks for the next policy.
      const trainer = this.o.trainers.acquire(search);
      await trainer?.stop(id).catch((e: Error) => this.log(`search ${id}: stopping its supernet training failed: ${e.message}`));
      if (trainer) this.o.trainers.release(trainer);
    }
    if (run) await run.stop('cancelled');
    else if (search.phase === 'pending' || search.phase === 'running') {
      // Stored as unfinished but run by no controller (one that failed to open it): nothing to stop.
      const updatedAt = new Date().toISOString();
      await this.o.store.putSearch({ ...search, phase: 'cancelled', message: 'cancelled by CancelSearch', updatedAt });
    }
    return this.require(id);
  }

  async paretoFront(id: string) {
    await this.require(id);
    return paretoFront(await this.o.store.listCandidates(id));
  }

  /** The newest policy, once its version is at least `minVersion` (waiting while the search runs). */
  async policySnapshot(id: string, minVersion: number, signal: AbortSignal) {
    const search = await this.require(id);
    const run = this.runs.get(id);
    if (run) await run.policyVersionAtLeast(minVersion, signal);
    const checkpoint = await this.o.store.getCheckpoint(id);
    const version = checkpoint ? policyVersion(search.spec, checkpoint.observed) : 0;
    if (!checkpoint || version < minVersion) {
      throw new GrpcStatusError(
        status.FAILED_PRECONDITION,
        `search ${id} has policy version ${version} and is ${search.phase}: version ${minVersion} will not come`,
      );
    }
    return { version, checkpoint: checkpoint.strategy };
  }

  /** Stops every run, leaving the searches `running` in the store for the next controller. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.stopping.abort();
    await Promise.all([...this.runs.values()].map((run) => run.stop('shutdown')));
    await this.o.store.close();
  }

  /**
   * Runs a stored search, unless this controller runs it already: a search CreateSearch made while resumeAll was
   * listing the unfinished ones would otherwise be started twice, two runs racing on one search's state.
   */
  private async start(search: StoredSearch, events = this.publisher(search.id)): Promise<void> {
    const { id } = search;
    if (this.closing || this.runs.has(id) || this.starting.has(id)) return;
    this.starting.add(id);
    try {
      await this.startRun(search, events);
    } finally {
      this.starting.delete(id);
    }
  }

  private async startRun(search: StoredSearch, events: EventPublisher): Promise<void> {
    const { id } = search;
    let run: SearchRun;
    const trainer = search.spec.spec.evaluation.mode === 'weight-sharing' ? this.o.trainers.acquire(search) : undefined;
    const releaseTrainer = () => trainer && this.o.trainers.release(trainer);
    try {
      // A nats-server restarting is no reason to fail the search: opening it is tried again until the server is back.
      run = await retryTransient(() => SearchRun.start(search, { ...this.o, log: this.log, ...(trainer ? { trainer } : {}) }, events), {
        timeoutMs: Infinity,
        delayMs: 500,
        signal: this.stopping.signal,
      });
    } catch (e) {
      releaseTrainer();
      if (this.closing) return; // Left as it is in the store, for the next controller.
      const message = `cannot open the stored state: ${e instanceof Error ? e.message : String(e)}`;
      this.log(`search ${id}: ${message}`);
      await this.o.store.putSearch({ ...search, phase: 'failed', message, updatedAt: new Date().toISOString() });
      events.publish({ $case: 'failed', value: { message } }, 'end');
      return;
    }
    this.runs.set(id, run);
    void run.ended.then(() => {
      this.runs.delete(id);
      releaseTrainer();
      setTimeout(() => this.o.metrics.forget(id), FORGET_AFTER_MS).unref();
    });
  }

  private publisher(id: string): EventPublisher {
    const onError = (e: Error) => this.log(`search ${id}: publishing an event failed: ${e.message}`);
    return new EventPublisher(this.o.events, id, onError);
  }
}
