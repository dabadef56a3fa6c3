import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredCheckpoint } from '../../src/store/types.js';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import { IntervalCheckpointStore } from '../../src/store/interval-checkpoint-store.js';

const checkpoint = (observed: number): StoredCheckpoint => ({ observed, strategy: { strategy: 'random' } });

/** Counts the checkpoints that reach the inner store. */
class CountingStore extends MemorySearchStore {
  writes: number[] = [];
  override async putCheckpoint(id: string, c: StoredCheckpoint): Promise<void> {
    this.writes.push(c.observed);
    await super.putCheckpoint(id, c);
  }
}

describe('IntervalCheckpointStore', () => {
  it('writes at most one checkpoint per interval, the newest, and serves the newest before it is written', async () => {
    const inner = new CountingStore();
    const store = new IntervalCheckpointStore(inner, 500, (_, e) => assert.fail(e));
    for (let i = 1; i <= 5; i++) await store.putCheckpoint('s', checkpoint(i));
    assert.equal((await store.getCheckpoint('s'))?.observed, 5);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(inner.writes, [5], 'the first write takes the newest at once');
    for (let i = 6; i <= 9; i++) await store.putCheckpoint('s', checkpoint(i));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(inner.writes, [5], 'no second write within the interval');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(inner.writes, [5, 9]);
    await store.putCheckpoint('s', checkpoint(10));
    await store.flush('s');
    assert.deepEqual(inner.writes, [5, 9, 10], 'flush writes what is pending');
    assert.equal((await inner.getCheckpoint('s'))?.observed, 10);
  });

  it('runs the barrier before every write, and writes every checkpoint at once with interval 0', async () => {
    const inner = new CountingStore();
    const store = new IntervalCheckpointStore(inner, 0, (_, e) => assert.fail(e));
    const order: string[] = [];
    store.setBarrier('s', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push(`barrier before ${inner.writes.length + 1}`);
    });
    await store.putCheckpoint('s', checkpoint(1));
    await store.putCheckpoint('s', checkpoint(2));
    assert.deepEqual(inner.writes, [1, 2]);
    assert.deepEqual(order, ['barrier before 1', 'barrier before 2']);
  });

  it('tries a failed write again with the next one', async () => {
    const inner = new CountingStore();
    let fail = true;
    inner.putCheckpoint = async (id, c) => {
      if (fail) throw new Error('store down');
      await CountingStore.prototype.putCheckpoint.call(inner, id, c);
    };
    const errors: string[] = [];
    const store = new IntervalCheckpointStore(inner, 50, (_, e) => errors.push(e.message));
    await store.putCheckpoint('s', checkpoint(1));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(errors, ['store down']);
    fail = false;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await inner.getCheckpoint('s'))?.observed, 1, 'the failed checkpoint was written later');
  });
});
