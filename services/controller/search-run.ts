import { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import type { DataRoots } from '../../src/data/data-roots.js';
import type { StrategyStats } from '../../src/strategy/types.js';
import type { LatencySource } from '../../src/latency/types.js';
import type { EvaluationBackend } from '../../src/search/evaluation-backend.js';
import { type ProposedCandidate, SearchSession } from '../../src/search/search-session.js';
import type { CandidateRecord } from '../../src/search/types.js';
import type { StoredSearch } from '../../src/store/types.js';
import { NasmeshError } from '../../src/util/errors.js';
import type { ControllerMetrics } from '../common/metrics/controller-metrics.js';
import { architectureMessage } from '../common/messages/architecture.js';
import { candidateMessage } from '../common/messages/candidate.js';
import { documentFromSpec } from '../common/messages/search-document.js';
import { SearchPhase } from '../gen/nasmesh/v1/common.js';
import type { EventPublisher } from './event-publisher.js';
import type { IntervalCheckpointStore } from '../../src/store/interval-checkpoint-store.js';
import { withLatency } from './latency-backend.js';
import { NatsEvaluationBackend } from './nats-evaluation-backend.js';
import { SupernetGate } from './supernet-gate.js';
import type { TrainerLink } from './trainer-link.js';
import { policyVersion } from './policy-version.js';

/** Why a run was aborted: the search is cancelled, or this controller stops and another continues it. */
export class RunStopped extends Error {
  constructor(readonly why: 'cancelled' | 'shutdown') {
    super(why === 'cancelled' ? 'search cancelled' : 'controller shutting down');
  }
}

export interface SearchRunDeps {
  readonly nc: NatsConnection;
  readonly store: IntervalCheckpointStore;
  readonly metrics: ControllerMetrics;
  readonly log: (line: string) => void;
  /** Measures candidates' latency for rewards that need it (mnas); `--latency-profiler`. */
  readonly latency?: LatencySource;
  /** Trains the shared weights of a weight-sharing search: its own trainer, or `--supernet-trainer`. */
  readonly trainer?: TrainerLink;
  /** Where a search's dataset may be read (the network geometry of an mnas reward). */
  readonly data?: DataRoots;
}

/** Weight of the previous average against each new reward in PolicyUpdated.rewardMovingAverage. */
const AVERAGE_DECAY = 0.9;

/**
 * One search running in this controller: its SearchSession on the mesh's evaluation backend, with the session's
 * hooks turned into search events and metrics. Ends when the session does, is cancelled, or the controller stops
 * (the search then stays `running` in the store for the next controller to resume).
 */
export class SearchRun {
  /** Indices of the candidates stored so far. */
  private readonly evaluated = new Set<number>();
  private bestCandidate?: CandidateRecord;
  private version = 0;
  private averaged = 0;
  private rewardAverage = 0;
  private readonly abort = new AbortController();
  private readonly policy = new EventEmitter();
  private over = false;
  /** Resolves once the run is over and its end is stored and published; never rejects. */
  readonly ended: Promise<void>;

  private constructor(
    private readonly search: StoredSearch,
    private readonly deps: SearchRunDeps,
    private readonly events: EventPublisher,
    private readonly backend: NatsEvaluationBackend,
    private readonly session: SearchSession,
  ) {
    this.ended = this.run();
  }

  static async start(search: StoredSearch, deps: SearchRunDeps, events: EventPublisher): Promise<SearchRun> {
    const stored = await deps.store.listCandidates(search.id);
    const backend = await NatsEvaluationBackend.open(
      deps.nc,
      search.spec,
      stored.map((c) => c.index),
    );
    const hooks: { run?: SearchRun } = {};
    let session: SearchSession;
    try {
      session = await SearchSession.open(
        deps.store,
        search.id,
        await withLatency(search.spec, gated(search, backend, deps.trainer), deps.latency, deps.data),
        {
          onProposed: (candidates) => hooks.run?.proposed(candidates),
          onEvaluated: (candidate) => hooks.run?.stored(candidate),
          onPolicyUpdated: (observed, stats) => hooks.run?.policyUpdated(observed, stats),
        },
      );
    } catch (e) {
      await backend.stop();
      throw e;
    }
    const checkpoint = await deps.store.getCheckpoint(search.id);
    deps.store.setBarrier(search.id, () => events.settled());
    hooks.run = new SearchRun(search, deps, events, backend, session);
    for (const c of stored) hooks.run.count(c);
    hooks.run.version = checkpoint ? policyVersion(search.spec, checkpoint.observed) : 0;
    return hooks.run;
  }

  get done(): number {
    return this.evaluated.size;
  }

  get best(): CandidateRecord | undefined {
    return this.bestCandidate;
  }

  /** Stops the run; `ended` resolves once its state is stored. */
  stop(why: RunStopped['why']): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new RunStopped(why));
    return this.ended;
  }

  /** The policy version once it is at least `min`, or the last one when the run ends first; rejects on `signal`. */
  async policyVersionAtLeast(min: number, signal: AbortSignal): Promise<number> {
    while (this.version < min) {
      signal.throwIfAborted();
      if (this.over) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.policy.off('update', done).off('end', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.policy.once('update', done).once('end', done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return this.version;
  }

  private async run(): Promise<void> {
    try {
      await this.runToEnd();
    } catch (e) {
      // Storing the end (the cancelled phase, the last checkpoint) or removing the results consumer failed past
      // every retry. Nobody awaits a run, so it is logged; a search whose phase was not stored stays resumable.
      this.deps.log(`search ${this.search.id}: ending its run failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async runToEnd(): Promise<void> {
    const { id } = this.search;
    try {
      await this.session.run(this.abort.signal);
      await this.end('succeeded');
    } catch (e) {
      const reason: unknown = this.abort.signal.aborted ? this.abort.signal.reason : e;
      if (reason instanceof RunStopped && reason.why === 'shutdown') {
        await this.deps.store.flush(id);
        await this.events.settled();
        await this.backend.stop();
      } else if (reason instanceof RunStopped) {
        await this.end('cancelled');
      } else {
        // The session stored phase `failed` with the message before it threw.
        const message = e instanceof Error ? e.message : String(e);
        this.deps.log(`search ${id} failed: ${message}`);
        this.events.publish({ $case: 'failed', value: { message } }, 'end');
        await this.finish();
      }
    } finally {
      this.session.dispose();
      this.over = true;
      this.policy.emit('end');
    }
  }

  private async end(phase: 'succeeded' | 'cancelled'): Promise<void> {
    const { id, spec, createdAt } = this.search;
    if (phase === 'cancelled') {
      const stored = await this.deps.store.getSearch(id);
      await this.deps.store.putSearch({
        ...(stored ?? this.search),
        phase,
        message: 'cancelled by CancelSearch',
        updatedAt: new Date().toISOString(),
      });
    }
    const best = this.bestCandidate;
    this.events.publish(
      {
        $case: 'finished',
        value: {
          phase: phase === 'succeeded' ? SearchPhase.SUCCEEDED : SearchPhase.CANCELLED,
          candidates: this.evaluated.size,
          ...(best ? { best: candidateMessage(spec.spec.space, best) } : {}),
          durationSeconds: (Date.now() - Date.parse(createdAt)) / 1000,
        },
      },
      'end',
    );
    await this.finish();
  }

  /** The search is over: keeps its final policy, sends its last events, drops its results consumer. */
  private async finish(): Promise<void> {
    await this.deps.store.flush(this.search.id);
    await this.events.settled();
    await this.backend.destroy();
  }

  private proposed(candidates: readonly ProposedCandidate[]): void {
    const { id, spec } = this.search;
    this.deps.metrics.proposed(id, candidates.length);
    for (const c of candidates) {
      const architecture = architectureMessage(spec.spec.space, c.architecture, c.hash);
      this.events.publish({ $case: 'candidateProposed', value: { index: c.index, architecture } }, c.index);
    }
  }

  /** Counts a stored candidate towards progress and metrics, once per index. */
  private count(candidate: CandidateRecord): void {
    const { id } = this.search;
    if (this.evaluated.has(candidate.index)) return;
    this.evaluated.add(candidate.index);
    if (!this.bestCandidate || candidate.reward > this.bestCandidate.reward) this.bestCandidate = candidate;
    this.deps.metrics.evaluated(id, candidate.reward);
    if (candidate.diverged) this.deps.metrics.failed(id);
  }

  /**
   * A candidate's result is stored. Its event is published also when a resumed step reuses it: the controller
   * that stored it may have died before publishing (the stream drops the copy if it had not).
   */
  private stored(candidate: CandidateRecord): void {
    const { spec } = this.search;
    this.backend.markStored(candidate.index);
    this.count(candidate);
    this.events.publish(
      {
        $case: 'candidateEvaluated',
        value: {
          candidate: candidateMessage(spec.spec.space, candidate),
          done: this.evaluated.size,
          total: spec.spec.budget.candidates,
          bestReward: this.bestCandidate!.reward,
          error: '',
        },
      },
      candidate.index,
    );
  }

  private policyUpdated(observed: number, stats: StrategyStats): void {
    const { id, spec } = this.search;
    for (const c of this.session.candidates.slice(this.averaged, observed)) {
      this.rewardAverage = this.averaged === 0 ? c.reward : AVERAGE_DECAY * this.rewardAverage + (1 - AVERAGE_DECAY) * c.reward;
      this.averaged++;
    }
    this.version = policyVersion(spec, observed);
    this.deps.metrics.policy(id, stats);
    this.events.publish(
      {
        $case: 'policyUpdated',
        value: {
          version: this.version,
          observed,
          ...(stats.entropy !== undefined ? { entropy: stats.entropy } : {}),
          ...(stats.baseline !== undefined ? { baseline: stats.baseline } : {}),
          rewardMovingAverage: this.rewardAverage,
        },
      },
      this.version,
    );
    this.policy.emit('update');
  }
}

/** A weight-sharing search's jobs wait for the supernet checkpoint they name (SupernetGate). */
function gated(search: StoredSearch, backend: EvaluationBackend, trainer?: TrainerLink): EvaluationBackend {
  const { evaluation } = search.spec.spec;
  if (evaluation.mode !== 'weight-sharing') return backend;
  if (!trainer)
    throw new NasmeshError('weight-sharing searches need a supernet-trainer (CreateSearch supernetTrainer or --supernet-trainer)');
  return new SupernetGate(backend, trainer, search.id, documentFromSpec(search.spec), evaluation);
}
