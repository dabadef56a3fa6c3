import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { LocalDirSearchStore } from '../../src/store/local-dir-store.js';
import { initBackend } from '../../src/tf/backend.js';
import { benchmarkSpec, range, referenceSearch, withoutTimes, writeNb201Table } from './session-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-resume-'));
let table = '';
before(async () => {
  await initBackend();
  table = writeNb201Table(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const candidates = (out: string) =>
  readFileSync(join(out, 'candidates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CandidateRecord);

describe('embedded benchmark search', () => {
  it('an interrupted run resumed from <out>/state writes what an uninterrupted one writes', async () => {
    const search = benchmarkSpec(table, 'ppo', 3);
    const whole = join(dir, 'whole');
    await runEmbeddedSearch(search, { outDir: whole });
    assert.deepEqual(
      candidates(whole).map(({ hash, reward }) => ({ hash, reward })),
      referenceSearch(search),
    );

    const out = join(dir, 'interrupted');
    const stop = new AbortController();
    const interrupted = runEmbeddedSearch(search, {
      outDir: out,
      signal: stop.signal,
      onProgress: (p) => p.phase === 'search' && p.done >= 6 && stop.abort(),
    });
    await assert.rejects(interrupted, { name: 'AbortError' });
    assert.deepEqual(
      candidates(out).map((c) => c.index),
      range(6),
    );

    await assert.rejects(runEmbeddedSearch(search, { outDir: out, resume: true, seed: 6 }), /stored with another spec or seed/);
    const summary = await runEmbeddedSearch(search, { outDir: out, resume: true });
    assert.deepEqual(withoutTimes(candidates(out)), withoutTimes(candidates(whole)));
    assert.equal(summary.candidates, 14);
    const best = (o: string) => withoutTimes(JSON.parse(readFileSync(join(o, 'best-architectures.json'), 'utf8')) as CandidateRecord[]);
    assert.deepEqual(best(out), best(whole));
  });

  it("a resumed run's duration counts the steps earlier processes ran", async () => {
    const search = benchmarkSpec(table, 'random', 3);
    const out = join(dir, 'duration');
    await runEmbeddedSearch(search, { outDir: out });
    // As if the earlier process's steps had taken 1000 s: the resumed run, which has no step left, must count them.
    const state = new LocalDirSearchStore(join(out, 'state'));
    const checkpoint = (await state.getCheckpoint(search.metadata.name))!;
    await state.putCheckpoint(search.metadata.name, { ...checkpoint, extra: { ...checkpoint.extra, seconds: 1000 } });
    await state.close();
    const summary = await runEmbeddedSearch(search, { outDir: out, resume: true });
    assert.ok(summary.durationSeconds >= 1000 && summary.durationSeconds < 1100, `durationSeconds ${summary.durationSeconds}`);
  });

  it('starts over unless told to resume, whatever the state holds', async () => {
    const search = benchmarkSpec(table, 'evolution', 3);
    const out = join(dir, 'again');
    await runEmbeddedSearch(search, { outDir: out });
    await runEmbeddedSearch(search, { outDir: out, seed: 9 });
    const reseeded = referenceSearch({ ...search, spec: { ...search.spec, seed: 9 } });
    assert.deepEqual(
      candidates(out).map(({ hash, reward }) => ({ hash, reward })),
      reseeded,
    );
    assert.notDeepEqual(reseeded, referenceSearch(search));
  });
});
