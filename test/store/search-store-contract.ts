import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { CandidateRecord } from '../../src/search/types.js';
import { loadSearchSpec } from '../../src/spec/load.js';
import { StoreReadError } from '../../src/store/errors.js';
import type { SearchStore, StoredCheckpoint, StoredSearch } from '../../src/store/types.js';
import { ValidationError } from '../../src/util/errors.js';

/** How the contract reaches an implementation. */
export interface StoreHarness {
  open(): Promise<SearchStore>;
  /** Takes the storage down and up again (a process restart, a nats-server restart); `store` must keep working. */
  restart(): Promise<void>;
  /**
   * Stores `text` as the raw bytes of a record, as a fault or another program might (stores that keep objects, not
   * bytes, have none): the record the store must refuse to hand back.
   */
  corrupt?(id: string, record: CorruptRecord, text: string): Promise<void>;
}

export type CorruptRecord = 'search' | 'checkpoint' | { candidate: number };

const spec = loadSearchSpec('deploy/examples/nb201-benchmark.yaml');
let searches = 0;
const newId = () => `search-${process.pid}-${++searches}`;

const search = (id: string, createdAt = '2025-01-01T00:00:00.000Z'): StoredSearch => ({
  id,
  spec,
  phase: 'running',
  createdAt,
  updatedAt: createdAt,
});

export const candidate = (index: number, reward = index / 100): CandidateRecord => ({
  index,
  architecture: { space: 'nb201', arch: `|arch-${index}|`, decisions: { edge0: 'none' } },
  hash: `h${index}`,
  reward,
  accuracy: reward,
  params: 1000 + index,
  flops: 2000 + index,
  seconds: 0.5,
});

/** About the size of a real LSTM controller's checkpoint: 2-3 MB of JSON, over NATS's 1 MB message limit. */
const bigCheckpoint = (observed: number): StoredCheckpoint => ({
  observed,
  strategy: { strategy: 'reinforce', weights: Array.from({ length: 150_000 }, (_, i) => Math.sin(i + observed)) },
  extra: { baseline: 0.5 },
});

/** The behaviour every SearchStore shares; `harness` is called inside the tests, after the suite's before(). */
export function searchStoreContract(harness: () => StoreHarness): void {
  it('stores, replaces and lists searches, oldest first', async () => {
    const store = await harness().open();
    const [a, b, c] = [newId(), newId(), newId()];
    assert.equal(await store.getSearch(a), undefined);
    await store.putSearch(search(b, '2025-01-02T00:00:00.000Z'));
    await store.putSearch(search(a, '2025-01-03T00:00:00.000Z'));
    await store.putSearch(search(c, '2025-01-02T00:00:00.000Z'));
    const failed = { ...search(a, '2025-01-03T00:00:00.000Z'), phase: 'failed' as const, message: 'diverged' };
    await store.putSearch(failed);
    assert.deepEqual(await store.getSearch(a), failed);
    const mine = (await store.listSearches()).filter((s) => [a, b, c].includes(s.id)).map((s) => s.id);
    assert.deepEqual(mine, [b, c, a]);
  });

  it('keeps the first candidate under an index and lists candidates by index', async () => {
    const store = await harness().open();
    const id = newId();
    const order = [5, 1000, 0, 123, 2, 1];
    for (const i of order) assert.equal(await store.putCandidate(id, candidate(i)), true);
    assert.equal(await store.putCandidate(id, candidate(2, 0.99)), false);
    const listed = await store.listCandidates(id);
    assert.deepEqual(
      listed,
      [0, 1, 2, 5, 123, 1000].map((i) => candidate(i)),
    );
    assert.deepEqual(await store.listCandidates(newId()), []);
  });

  it('lets exactly one of many concurrent writers of an index win, across store instances', async () => {
    const [one, two] = [await harness().open(), await harness().open()];
    const id = newId();
    const writes = Array.from({ length: 12 }, (_, w) => (w % 2 ? one : two).putCandidate(id, candidate(7, w / 100)));
    const won = await Promise.all(writes);
    assert.equal(won.filter(Boolean).length, 1);
    const winner = won.indexOf(true);
    assert.deepEqual(await one.listCandidates(id), [candidate(7, winner / 100)]);
  });

  it('creates a search exactly once among many concurrent creators, across store instances', async () => {
    const [one, two] = [await harness().open(), await harness().open()];
    const id = newId();
    const creations = Array.from({ length: 10 }, (_, w) => (w % 2 ? one : two).createSearch({ ...search(id), message: `creator ${w}` }));
    const won = await Promise.all(creations);
    assert.equal(won.filter(Boolean).length, 1);
    assert.equal((await two.getSearch(id))?.message, `creator ${won.indexOf(true)}`);
    assert.equal(await one.createSearch(search(id)), false);
  });

  it('refuses a record that does not fit naming the search, the record and the field; others are unharmed', async (t) => {
    const h = harness();
    if (!h.corrupt) return t.skip('this store keeps objects, not bytes');
    const store = await h.open();
    const [bad, good] = [newId(), newId()];
    await store.putSearch(search(good));
    await store.putSearch(search(bad));
    await h.corrupt(bad, 'search', JSON.stringify({ ...search(bad), phase: 'exploded' }));
    await assert.rejects(
      store.getSearch(bad),
      (e: unknown) =>
        e instanceof StoreReadError && e.message.startsWith(`search ${bad}: its stored search record`) && /phase/.test(e.message),
    );
    const listed = (await store.listSearches()).map((s) => s.id);
    assert.ok(listed.includes(good) && !listed.includes(bad), 'the corrupt search is left out of the list, the good one stays');

    await store.putCheckpoint(good, bigCheckpoint(1));
    await h.corrupt(bad, 'checkpoint', JSON.stringify({ strategy: { strategy: 'reinforce' } }));
    await assert.rejects(store.getCheckpoint(bad), (e: unknown) => e instanceof StoreReadError && /checkpoint.*observed/.test(e.message));
    await h.corrupt(bad, 'checkpoint', 'root:x:0:0:not json');
    await assert.rejects(
      store.getCheckpoint(bad),
      (e: unknown) => e instanceof StoreReadError && /is not JSON$/.test(e.message) && !e.message.includes('root:x'),
    );
    assert.deepEqual(await store.getCheckpoint(good), bigCheckpoint(1));

    await store.putCandidate(bad, candidate(0));
    await h.corrupt(bad, { candidate: 1 }, JSON.stringify({ ...candidate(1), reward: 'high' }));
    await assert.rejects(store.listCandidates(bad), (e: unknown) => e instanceof StoreReadError && /candidate 1 .*reward/.test(e.message));
  });

  it('round-trips a multi-megabyte checkpoint and returns the latest', async () => {
    const store = await harness().open();
    const id = newId();
    assert.equal(await store.getCheckpoint(id), undefined);
    await store.putCheckpoint(id, bigCheckpoint(10));
    await store.putCheckpoint(id, bigCheckpoint(20));
    assert.deepEqual(await store.getCheckpoint(id), bigCheckpoint(20));
  });

  it('round-trips blobs of a few MB, replaced whole', async () => {
    const store = await harness().open();
    const id = newId();
    const [first, second] = [randomBytes(3 * 1024 * 1024), randomBytes(2 * 1024 * 1024 + 17)];
    assert.equal(await store.getBlob(id, 'model/weights.bin'), undefined);
    await store.putBlob(id, 'model/weights.bin', first);
    assert.deepEqual(await store.getBlob(id, 'model/weights.bin'), new Uint8Array(first));
    await store.putBlob(id, 'model/weights.bin', second);
    await store.putBlob(id, 'empty', new Uint8Array(0));
    assert.deepEqual(await store.getBlob(id, 'model/weights.bin'), new Uint8Array(second));
    assert.deepEqual(await store.getBlob(id, 'empty'), new Uint8Array(0));
  });

  it("lists a search's blobs by prefix, sorted, each once", async () => {
    const store = await harness().open();
    const [id, other] = [newId(), newId()];
    assert.deepEqual(await store.listBlobs(id, ''), []);
    const names = ['results/summary.json', 'results/model/weights.bin', 'supernet/1', 'results-complete', 'results/model/model.json'];
    for (const name of names) await store.putBlob(id, name, new Uint8Array([names.indexOf(name)]));
    await store.putBlob(id, 'results/summary.json', new Uint8Array([9, 9]));
    await store.putBlob(other, 'results/best-architecture.json', new Uint8Array(1));
    await store.putCheckpoint(id, bigCheckpoint(1));
    assert.deepEqual(await store.listBlobs(id, 'results/'), [
      'results/model/model.json',
      'results/model/weights.bin',
      'results/summary.json',
    ]);
    assert.deepEqual(await store.listBlobs(id, 'results'), [
      'results-complete',
      'results/model/model.json',
      'results/model/weights.bin',
      'results/summary.json',
    ]);
    assert.deepEqual(await store.listBlobs(id, ''), [...names].sort());
    assert.deepEqual(await store.listBlobs(id, 'supernet/'), ['supernet/1']);
    assert.deepEqual(await store.listBlobs(other, ''), ['results/best-architecture.json']);
    assert.deepEqual(await store.listBlobs(newId(), 'results/'), []);
  });

  it('gives a reader the old or the new blob while it is being replaced', async () => {
    const store = await harness().open();
    const reader = await harness().open();
    const id = newId();
    const versions = Array.from({ length: 6 }, (_, v) => new Uint8Array(randomBytes(1024 * 1024 + v)));
    await store.putBlob(id, 'supernet', versions[0]!);
    for (const version of versions.slice(1)) {
      const [read] = await Promise.all([reader.getBlob(id, 'supernet'), store.putBlob(id, 'supernet', version)]);
      assert.ok(
        versions.some((v) => Buffer.from(v).equals(read!)),
        'a read returned a mix of versions',
      );
    }
    assert.deepEqual(await reader.getBlob(id, 'supernet'), versions.at(-1));
  });

  it('keeps everything across a restart of its storage', async () => {
    const h = harness();
    const store = await h.open();
    const id = newId();
    const blob = new Uint8Array(randomBytes(1024 * 1024));
    await store.putSearch(search(id));
    for (const i of [0, 1, 2]) await store.putCandidate(id, candidate(i));
    await store.putCheckpoint(id, bigCheckpoint(3));
    await store.putBlob(id, 'supernet', blob);
    await h.restart();
    for (const s of [store, await h.open()]) {
      assert.deepEqual(await s.getSearch(id), search(id));
      assert.deepEqual(
        await s.listCandidates(id),
        [0, 1, 2].map((i) => candidate(i)),
      );
      assert.deepEqual(await s.getCheckpoint(id), bigCheckpoint(3));
      assert.deepEqual(await s.getBlob(id, 'supernet'), blob);
      assert.deepEqual(await s.listBlobs(id, ''), ['supernet']);
    }
    assert.equal(await store.putCandidate(id, candidate(1, 0.5)), false);
    assert.equal(await store.putCandidate(id, candidate(3)), true);
  });

  it('rejects ids and names that are not safe as paths, subjects and keys', async () => {
    const store = await harness().open();
    await assert.rejects(store.getSearch('../etc'), ValidationError);
    await assert.rejects(store.putCandidate('a.b', candidate(0)), ValidationError);
    await assert.rejects(store.putCandidate('ok', candidate(-1)), ValidationError);
    await assert.rejects(store.putBlob('ok', '../x', new Uint8Array(1)), ValidationError);
    await assert.rejects(store.listBlobs('ok', '../'), ValidationError);
    await assert.rejects(store.listBlobs('../etc', ''), ValidationError);
  });
}
