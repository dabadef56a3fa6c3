import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStrategy } from '../../src/strategy/registry.js';
import { BenchmarkTable } from '../../src/bench/table.js';
import { createSpace } from '../../src/space/registry.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from '../../src/search/evaluation-backend.js';
import { BenchmarkEvaluator, tableNetwork } from '../../src/search/benchmark-evaluator.js';
import { LocalEvaluationBackend } from '../../src/search/local-evaluation-backend.js';
import { type SessionHooks, SearchSession } from '../../src/search/search-session.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import type { SearchStore } from '../../src/store/types.js';
import { Rng } from '../../src/util/rng.js';

/**
 * A complete NAS-Bench-201 table with made-up accuracies: convolutions help, `none` hurts, plus seeded noise so that
 * ranks are distinct. Written to `dir`; returns its path.
 */
export function writeNb201Table(dir: string): string {
  const space = createSpace({ name: 'nb201' });
  const rng = new Rng(42);
  const rows = ['arch,test_accuracy'];
  for (let i = 0; i < 5 ** 6; i++) {
    const arch = Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** d) % 5);
    const score = arch.reduce((s, op) => s + [-3, 0, 1, 2, 0.5][op]!, 0);
    rows.push(`${space.encode(arch)},${(80 + score + rng.next() * 2).toFixed(4)}`);
  }
  const path = join(dir, 'nb201-made-up.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

export const STRATEGIES = {
  reinforce: '{name: reinforce, batchSize: 4, units: 16}',
  ppo: '{name: ppo, batchSize: 4, units: 16}',
  evolution: '{name: evolution, population: 4, sampleSize: 2}',
  qlearning: '{name: qlearning, epsilonDecaySteps: 10, replayBatch: 8}',
  random: '{name: random}',
} as const;
export type StrategyKey = keyof typeof STRATEGIES;

export const SEARCH_ID = 's';

export function benchmarkSpec(table: string, strategy: StrategyKey, candidatesPerStep?: number, candidates = 14): SearchSpec {
  const perStep = candidatesPerStep === undefined ? '' : `, candidatesPerStep: ${candidatesPerStep}`;
  return parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: ${SEARCH_ID}}
spec:
  seed: 5
  space: {name: nb201}
  strategy: ${STRATEGIES[strategy]}
  evaluation: {mode: benchmark, table: '${table}'${perStep}}
  budget: {candidates: ${candidates}}
`);
}

/** The loop runEmbeddedSearch ran before sessions existed: propose `perStep`, look up, observe. */
export function referenceSearch(search: SearchSpec): Pick<CandidateRecord, 'hash' | 'reward'>[] {
  const { spec } = search;
  if (spec.evaluation.mode !== 'benchmark') throw new Error('benchmark specs only');
  const space = createSpace(spec.space);
  const table = BenchmarkTable.load(spec.evaluation.table, space);
  const { name, ...options } = spec.strategy;
  const strategy = createStrategy(name, space, options, new Rng(spec.seed).nextUint32());
  const out: Pick<CandidateRecord, 'hash' | 'reward'>[] = [];
  while (out.length < spec.budget.candidates) {
    const archs = strategy.propose(Math.min(spec.evaluation.candidatesPerStep, spec.budget.candidates - out.length));
    const observations = archs.map((arch) => ({ arch, reward: table.lookup(arch) / 100 }));
    out.push(...observations.map((o) => ({ hash: space.hash(o.arch), reward: o.reward })));
    strategy.observe(observations);
  }
  strategy.dispose();
  return out;
}

export function tableBackend(search: SearchSpec): LocalEvaluationBackend {
  const { spec } = search;
  if (spec.evaluation.mode !== 'benchmark') throw new Error('benchmark specs only');
  const space = createSpace(spec.space);
  return new LocalEvaluationBackend(space, new BenchmarkEvaluator(spec.evaluation.table, space, tableNetwork(spec.evaluation, space)));
}

/**
 * Wraps a backend: records which candidates it evaluated; optionally hands a step's outcomes over in reverse, and
 * throws before the outcome that would exceed `crashAfter` in all (a controller dying mid-step).
 */
export class ScriptedBackend implements EvaluationBackend {
  readonly evaluated: number[] = [];

  constructor(
    private readonly inner: EvaluationBackend,
    private readonly script: { reverse?: boolean; crashAfter?: number; dropLast?: boolean } = {},
  ) {}

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    const outcomes: EvaluationOutcome[] = [];
    for await (const o of this.inner.evaluate(jobs, signal)) outcomes.push(o);
    if (this.script.reverse) outcomes.reverse();
    if (this.script.dropLast) outcomes.pop();
    for (const o of outcomes) {
      if (this.evaluated.length === this.script.crashAfter) throw new Error('controller killed');
      this.evaluated.push(o.index);
      yield o;
    }
  }
}

/** Creates the search in `store` unless it is there, then opens and runs a session on it. */
export async function runSession(
  search: SearchSpec,
  opts: { store?: SearchStore; backend?: EvaluationBackend; hooks?: SessionHooks; signal?: AbortSignal } = {},
): Promise<readonly CandidateRecord[]> {
  const store = opts.store ?? new MemorySearchStore();
  if (!(await store.getSearch(SEARCH_ID))) await SearchSession.create(store, SEARCH_ID, search);
  const session = await SearchSession.open(store, SEARCH_ID, opts.backend ?? tableBackend(search), opts.hooks);
  try {
    return await session.run(opts.signal);
  } finally {
    session.dispose();
  }
}

export const withoutTimes = (rs: readonly CandidateRecord[]) => rs.map(({ seconds: _, ...r }) => r);
export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
