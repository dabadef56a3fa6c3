import { z } from 'zod';
import { uint32 } from '../strategy/checkpoint-schema.js';
import { createStrategy } from '../strategy/registry.js';
import type { Strategy, StrategyStats } from '../strategy/types.js';
import { createReward } from '../reward/reward-function.js';
import type { RewardFunction } from '../reward/types.js';
import { createSpace } from '../space/registry.js';
import type { SearchSpace } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import type { SearchPhase, SearchStore, StoredSearch } from '../store/types.js';
import { NasmeshError, ValidationError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { StoreReadError } from '../store/errors.js';
import { Rng, type RngState } from '../util/rng.js';
import type { EvaluationBackend, EvaluationOutcome } from './evaluation-backend.js';
import type { CandidateRecord } from './types.js';
import { checkpointBlobName, epochOfCandidate } from './weight-sharing-schedule.js';

/** A search of this id is stored already: creating it again is refused, never a second run. */
export class SearchExistsError extends NasmeshError {
  constructor(readonly id: string) {
    super(`search ${id} exists already`);
  }
}

/** The session's part of a checkpoint's `extra`, checked when a checkpoint is restored. */
const sessionExtraSchema = z.looseObject({
  rng: z.tuple([uint32, uint32, uint32, uint32]),
  seconds: z.number().min(0),
});

/** A proposed candidate before its evaluation. */
export type ProposedCandidate = Pick<CandidateRecord, 'index' | 'architecture' | 'hash'>;

/** What the service layer (events, metrics) and the embedded run's files hear of a session. */
export interface SessionHooks {
  /** A step's candidates, once proposed (again after a restart, so at least once). */
  onProposed?(candidates: readonly ProposedCandidate[]): void;
  /** A candidate once its result is stored, in arrival order (again after a restart for those reused). */
  onEvaluated?(candidate: CandidateRecord): void;
  /** The strategy has observed the first `observed` candidates and that checkpoint is stored. */
  onPolicyUpdated?(observed: number, stats: StrategyStats): void;
  onFinished?(candidates: readonly CandidateRecord[]): void;
  onFailed?(error: Error): void;
}

/** The session's part of a StoredCheckpoint's `extra`. */
interface SessionExtra {
  /** The search's own stream after seeding the strategy. */
  rng: RngState;
  /** Search time spent before this checkpoint, charged against budget.maxDurationSeconds after a restart. */
  seconds: number;
}

/**
 * One search's propose → evaluate → observe loop over a SearchStore, in any evaluation mode. Each step
 * proposes `candidatesPerStep` candidates, stores each result as it arrives, lets the strategy observe them in index
 * order (so the order evaluators finish in does not matter), then stores the checkpoint. A session opened on the
 * stored state of an interrupted one continues it exactly: the restored strategy proposes the interrupted step
 * again, candidates already stored are reused after checking they are the ones proposed, only the rest are evaluated.
 */
export class SearchSession {
  private readonly observed: CandidateRecord[];
  /** Stored candidates the strategy has not observed yet: evaluated in a step a restart interrupted. */
  private readonly unobserved: Map<number, CandidateRecord>;
  private runStarted = 0;

  private constructor(
    private stored: StoredSearch,
    private readonly store: SearchStore,
    private readonly backend: EvaluationBackend,
    private readonly hooks: SessionHooks,
    private readonly space: SearchSpace,
    private readonly strategy: Strategy,
    private readonly reward: RewardFunction,
    private readonly extra: SessionExtra,
    candidates: CandidateRecord[],
    observed: number,
  ) {
    this.observed = candidates.slice(0, observed);
    this.unobserved = new Map(candidates.slice(observed).map((c) => [c.index, c]));
  }

  /**
   * Stores a new search under `id` (phase pending) with what the mesh keeps beside its spec; `open` runs it. Atomic:
   * of two creations of one id (two CreateSearch calls, two controllers), one throws SearchExistsError.
   */
  static async create(store: SearchStore, id: string, search: SearchSpec, mesh: Pick<StoredSearch, 'supernetTrainer'> = {}): Promise<void> {
    const now = new Date().toISOString();
    if (!(await store.createSearch({ id, spec: search, phase: 'pending', createdAt: now, updatedAt: now, ...mesh }))) {
      throw new SearchExistsError(id);
    }
  }

  /** Loads a search and where it stands: its strategy restored from the checkpoint, its candidates. */
  static async open(store: SearchStore, id: string, backend: EvaluationBackend, hooks: SessionHooks = {}): Promise<SearchSession> {
    const stored = await store.getSearch(id);
    if (!stored) throw new NasmeshError(`search ${id} is not in the store`);
    const checkpoint = await store.getCheckpoint(id);
    const observed = checkpoint?.observed ?? 0;
    const candidates = await store.listCandidates(id);
    for (let i = 0; i < observed; i++) {
      if (candidates[i]?.index !== i) throw new NasmeshError(`search ${id}: candidate ${i} was observed but is not in the store`);
    }
    const { seed, space: spaceConfig, strategy: strategySpec, reward } = stored.spec.spec;
    const space = createSpace(spaceConfig);
    const { name, ...options } = strategySpec;
    const rng = new Rng(seed);
    const strategy = createStrategy(name, space, options, rng.nextUint32());
    let extra: SessionExtra = { rng: rng.state(), seconds: 0 };
    if (checkpoint) {
      try {
        strategy.restore(checkpoint.strategy);
        extra = parseWith(sessionExtraSchema, checkpoint.extra, 'extra');
      } catch (e) {
        strategy.dispose();
        if (e instanceof ValidationError) throw new StoreReadError({ search: id, record: 'checkpoint' }, e.message);
        throw e;
      }
    }
    // The policy before any update is a version too: weight sharing's first epoch trains with it.
    if (!checkpoint) await store.putCheckpoint(id, { observed: 0, strategy: strategy.checkpoint(), extra: { ...extra } });
    return new SearchSession(stored, store, backend, hooks, space, strategy, createReward(reward), extra, candidates, observed);
  }

  /**
   * The seconds a stored search's steps have taken so far, over every process that ran it, as its last checkpoint
   * records them (0 before the first): what a resumed run's duration adds its own to. A malformed checkpoint counts
   * 0 here; `open` refuses it, naming it.
   */
  static async secondsSpent(store: Pick<SearchStore, 'getCheckpoint'>, id: string): Promise<number> {
    const parsed = sessionExtraSchema.safeParse((await store.getCheckpoint(id))?.extra);
    return parsed.success ? parsed.data.seconds : 0;
  }

  get id(): string {
    return this.stored.id;
  }

  /** The candidates the strategy has observed, by index. */
  get candidates(): readonly CandidateRecord[] {
    return this.observed;
  }

  /**
   * Runs steps until the budget is spent; returns every observed candidate. An abort rejects with the signal's
   * reason and leaves the search resumable (phase running): whoever aborted decides whether it is cancelled.
   */
  async run(signal?: AbortSignal): Promise<readonly CandidateRecord[]> {
    const { budget } = this.stored.spec.spec;
    const perStep = stepSize(this.stored.spec);
    this.runStarted = performance.now();
    const deadline = this.runStarted + ((budget.maxDurationSeconds ?? Infinity) - this.extra.seconds) * 1000;
    try {
      await this.setPhase('running');
      while (this.observed.length < budget.candidates && performance.now() < deadline) {
        signal?.throwIfAborted();
        await this.step(Math.min(perStep, budget.candidates - this.observed.length), signal);
      }
      await this.setPhase('succeeded');
    } catch (e) {
      if (signal?.aborted) throw e;
      const error = e instanceof Error ? e : new Error(String(e));
      await this.setPhase('failed', error.message);
      this.hooks.onFailed?.(error);
      throw error;
    }
    this.hooks.onFinished?.(this.observed);
    return this.observed;
  }

  /** Frees the strategy's tensors; the session is unusable afterwards. */
  dispose(): void {
    this.strategy.dispose();
  }

  private async step(n: number, signal?: AbortSignal): Promise<void> {
    const first = this.observed.length;
    const archs = this.strategy.propose(n);
    const proposed = archs.map((arch, i) => ({ index: first + i, architecture: this.space.toJSON(arch), hash: this.space.hash(arch) }));
    this.hooks.onProposed?.(proposed);
    const results = new Map<number, CandidateRecord>();
    for (const p of proposed) {
      const stored = this.unobserved.get(p.index);
      if (!stored) continue;
      if (stored.hash !== p.hash) {
        throw new NasmeshError(
          `search ${this.id}: candidate ${p.index} is stored as ${stored.hash}, but the checkpoint proposes ${p.hash}`,
        );
      }
      results.set(p.index, stored);
      this.hooks.onEvaluated?.(stored);
    }
    const { evaluation } = this.stored.spec.spec;
    const jobs = proposed
      .filter((p) => !results.has(p.index))
      .map((p) => ({
        search: this.id,
        index: p.index,
        architecture: p.architecture,
        ...(evaluation.mode === 'weight-sharing' ? { checkpoint: checkpointBlobName(epochOfCandidate(evaluation, p.index)) } : {}),
      }));
    if (jobs.length > 0) {
      for await (const outcome of this.backend.evaluate(jobs, signal)) {
        const p = proposed[outcome.index - first];
        // A repeat (redelivered job) or another search's outcome changes nothing: the first result counts.
        if (outcome.search !== this.id || !p || results.has(p.index)) continue;
        const record = this.toRecord(p, outcome);
        if (!(await this.store.putCandidate(this.id, record))) {
          throw new NasmeshError(`search ${this.id}: candidate ${p.index} was stored meanwhile by another controller`);
        }
        results.set(p.index, record);
        this.hooks.onEvaluated?.(record);
        signal?.throwIfAborted();
        if (results.size === proposed.length) break;
      }
    }
    const missing = proposed.find((p) => !results.has(p.index));
    if (missing) throw new NasmeshError(`search ${this.id}: the evaluation backend gave no result for candidate ${missing.index}`);

    const batch = proposed.map((p) => results.get(p.index)!);
    this.strategy.observe(
      batch.map((c, i) => ({
        arch: archs[i]!,
        reward: c.reward,
        objectives: { accuracy: c.accuracy, ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}) },
      })),
    );
    this.observed.push(...batch);
    batch.forEach((c) => this.unobserved.delete(c.index));
    this.extra.seconds += (performance.now() - this.runStarted) / 1000;
    this.runStarted = performance.now();
    await this.store.putCheckpoint(this.id, {
      observed: this.observed.length,
      strategy: this.strategy.checkpoint(),
      extra: { ...this.extra },
    });
    this.hooks.onPolicyUpdated?.(this.observed.length, this.strategy.stats());
  }

  private toRecord(p: ProposedCandidate, { evaluation: ev, seconds }: EvaluationOutcome): CandidateRecord {
    const { accuracy, params, flops, diverged, latencyMs } = ev;
    // A diverged training run has no meaningful accuracy; it earns the lowest reward.
    const reward = diverged ? 0 : this.reward(ev);
    return {
      ...p,
      reward,
      accuracy,
      params,
      flops,
      seconds,
      ...(diverged ? { diverged } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
    };
  }

  private async setPhase(phase: SearchPhase, message?: string): Promise<void> {
    const { message: _, ...kept } = this.stored;
    this.stored = { ...kept, phase, updatedAt: new Date().toISOString(), ...(message ? { message } : {}) };
    await this.store.putSearch(this.stored);
  }
}

/** Candidates per step of a search: weight sharing updates the policy after each candidate, as ENAS does. */
function stepSize(search: SearchSpec): number {
  const { evaluation } = search.spec;
  return evaluation.mode === 'weight-sharing' ? 1 : evaluation.candidatesPerStep;
}
