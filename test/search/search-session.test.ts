import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SearchSession } from '../../src/search/search-session.js';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import type { StoredCheckpoint } from '../../src/store/types.js';
import { initBackend } from '../../src/tf/backend.js';
import {
  benchmarkSpec,
  range,
  referenceSearch,
  runSession,
  ScriptedBackend,
  SEARCH_ID,
  STRATEGIES,
  type StrategyKey,
  tableBackend,
  withoutTimes,
  writeNb201Table,
} from './session-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-session-'));
let table = '';
before(async () => {
  await initBackend();
  table = writeNb201Table(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose `n`-th checkpoint write fails: the controller is killed after observing a step, before storing it. */
class CheckpointFailingStore extends MemorySearchStore {
  private writes = 0;
  constructor(private readonly n: number) {
    super();
  }
  override async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    // Counts the steps' checkpoints, not the initial policy's (observed 0).
    if (checkpoint.observed > 0 && ++this.writes === this.n) throw new Error('controller killed');
    return super.putCheckpoint(id, checkpoint);
  }
}

/** A store that keeps only the first `n` checkpoints it is given: a stale checkpoint. */
class StaleCheckpointStore extends MemorySearchStore {
  private writes = 0;
  constructor(private readonly n: number) {
    super();
  }
  override async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    if (checkpoint.observed === 0 || ++this.writes <= this.n) return super.putCheckpoint(id, checkpoint);
  }
}

const strategies = Object.keys(STRATEGIES) as StrategyKey[];

describe('SearchSession', () => {
  for (const name of strategies) {
    it(`${name}: reproduces the loop it replaced, one candidate per step by default`, async () => {
      const search = benchmarkSpec(table, name);
      assert.equal(search.spec.evaluation.mode === 'benchmark' && search.spec.evaluation.candidatesPerStep, 1);
      const got = await runSession(search);
      assert.deepEqual(
        got.map(({ hash, reward }) => ({ hash, reward })),
        referenceSearch(search),
      );
      assert.deepEqual(
        got.map((c) => c.index),
        range(14),
      );
    });

    it(`${name}: killed mid-step and resumed, ends with the uninterrupted candidates, each evaluated once`, async () => {
      const search = benchmarkSpec(table, name, 3);
      const whole = await runSession(search);
      assert.deepEqual(
        whole.map(({ hash, reward }) => ({ hash, reward })),
        referenceSearch(search),
      );

      const store = new MemorySearchStore();
      // Step 3 holds candidates 6-8: 6 is stored, then the controller dies.
      const first = new ScriptedBackend(tableBackend(search), { crashAfter: 7 });
      await assert.rejects(runSession(search, { store, backend: first }), /controller killed/);
      assert.equal((await store.getCheckpoint(SEARCH_ID))?.observed, 6);
      assert.equal((await store.getSearch(SEARCH_ID))?.phase, 'failed');

      const second = new ScriptedBackend(tableBackend(search));
      const resumed = await runSession(search, { store, backend: second });
      assert.deepEqual(withoutTimes(resumed), withoutTimes(whole));
      assert.deepEqual([...first.evaluated, ...second.evaluated], range(14));
      assert.deepEqual(
        (await store.listCandidates(SEARCH_ID)).map((c) => c.index),
        range(14),
      );
      assert.equal((await store.getSearch(SEARCH_ID))?.phase, 'succeeded');
    });

    it(`${name}: killed between observing a step and checkpointing it, reuses the whole stored step`, async () => {
      const search = benchmarkSpec(table, name, 3);
      const store = new CheckpointFailingStore(2);
      const first = new ScriptedBackend(tableBackend(search));
      await assert.rejects(runSession(search, { store, backend: first }), /controller killed/);
      assert.equal((await store.getCheckpoint(SEARCH_ID))?.observed, 3);

      const second = new ScriptedBackend(tableBackend(search));
      const resumed = await runSession(search, { store, backend: second });
      assert.deepEqual(first.evaluated, range(6));
      assert.deepEqual(second.evaluated, range(14).slice(6));
      assert.deepEqual(
        resumed.map(({ hash, reward }) => ({ hash, reward })),
        referenceSearch(search),
      );
    });

    it(`${name}: outcomes handed over in reverse give the same search`, async () => {
      const search = benchmarkSpec(table, name, 3);
      const proposals: number[][] = [];
      const arrivals: number[] = [];
      const updates: number[] = [];
      let finished = 0;
      const got = await runSession(search, {
        backend: new ScriptedBackend(tableBackend(search), { reverse: true }),
        hooks: {
          onProposed: (ps) => proposals.push(ps.map((p) => p.index)),
          onEvaluated: (c) => arrivals.push(c.index),
          onPolicyUpdated: (observed) => updates.push(observed),
          onFinished: (cs) => (finished = cs.length),
        },
      });
      assert.deepEqual(
        got.map(({ hash, reward }) => ({ hash, reward })),
        referenceSearch(search),
      );
      assert.deepEqual(proposals, [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
        [9, 10, 11],
        [12, 13],
      ]);
      assert.deepEqual(arrivals, [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 13, 12]);
      assert.deepEqual(updates, [3, 6, 9, 12, 14]);
      assert.equal(finished, 14);
    });
  }

  it('an abort stops the search resumably; resuming ends as if never stopped', async () => {
    const search = benchmarkSpec(table, 'reinforce', 3);
    const store = new MemorySearchStore();
    const stop = new AbortController();
    const first = new ScriptedBackend(tableBackend(search));
    const run = runSession(search, {
      store,
      backend: first,
      signal: stop.signal,
      hooks: { onEvaluated: (c) => c.index === 7 && stop.abort() },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.equal((await store.getSearch(SEARCH_ID))?.phase, 'running');
    assert.deepEqual(
      (await store.listCandidates(SEARCH_ID)).map((c) => c.index),
      range(8),
    );

    const second = new ScriptedBackend(tableBackend(search));
    const resumed = await runSession(search, { store, backend: second });
    assert.deepEqual([...first.evaluated, ...second.evaluated], range(14));
    assert.deepEqual(
      resumed.map(({ hash, reward }) => ({ hash, reward })),
      referenceSearch(search),
    );
  });

  it('resumed from a stale checkpoint, replays the stored steps after it without evaluating them', async () => {
    const search = benchmarkSpec(table, 'reinforce', 3);
    const store = new StaleCheckpointStore(2);
    const whole = await runSession(search, { store });
    assert.equal((await store.getCheckpoint(SEARCH_ID))?.observed, 6);
    const again = new ScriptedBackend(tableBackend(search));
    assert.deepEqual(withoutTimes(await runSession(search, { store, backend: again })), withoutTimes(whole));
    assert.deepEqual(again.evaluated, []);
  });

  it('refuses to reuse a stored candidate the checkpoint does not propose', async () => {
    const search = benchmarkSpec(table, 'evolution', 3);
    const store = new MemorySearchStore();
    await assert.rejects(
      runSession(search, { store, backend: new ScriptedBackend(tableBackend(search), { crashAfter: 4 }) }),
      /controller killed/,
    );
    // Candidates 0-2 are observed, 3 is stored but not observed: forge it in a copy of the store.
    const forged = new MemorySearchStore();
    await SearchSession.create(forged, SEARCH_ID, search);
    await forged.putCheckpoint(SEARCH_ID, (await store.getCheckpoint(SEARCH_ID))!);
    for (const c of await store.listCandidates(SEARCH_ID)) {
      await forged.putCandidate(SEARCH_ID, c.index === 3 ? { ...c, hash: '0'.repeat(16) } : c);
    }
    await assert.rejects(runSession(search, { store: forged }), /candidate 3 is stored as 0{16}, but the checkpoint proposes/);
  });

  it('fails the search, naming the candidate, when the backend loses a result', async () => {
    const search = benchmarkSpec(table, 'random', 3);
    const store = new MemorySearchStore();
    const failures: string[] = [];
    await assert.rejects(
      runSession(search, {
        store,
        backend: new ScriptedBackend(tableBackend(search), { dropLast: true }),
        hooks: { onFailed: (e) => failures.push(e.message) },
      }),
      /no result for candidate 2/,
    );
    const stored = await store.getSearch(SEARCH_ID);
    assert.equal(stored?.phase, 'failed');
    assert.deepEqual(failures, [stored?.message]);
  });

  it('will not open a store that lacks an observed candidate', async () => {
    const search = benchmarkSpec(table, 'random', 3);
    const store = new MemorySearchStore();
    await assert.rejects(
      runSession(search, { store, backend: new ScriptedBackend(tableBackend(search), { crashAfter: 4 }) }),
      /controller killed/,
    );
    const gappy = new MemorySearchStore();
    await SearchSession.create(gappy, SEARCH_ID, search);
    await gappy.putCheckpoint(SEARCH_ID, (await store.getCheckpoint(SEARCH_ID))!);
    await gappy.putCandidate(SEARCH_ID, (await store.listCandidates(SEARCH_ID))[0]!);
    await assert.rejects(SearchSession.open(gappy, SEARCH_ID, tableBackend(search)), /candidate 1 was observed but is not in the store/);
  });
});
