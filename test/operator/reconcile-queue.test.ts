import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReconcileQueue } from '../../services/operator/reconcile-queue.js';
import { FakeClock, settle } from './fake-clock.js';

describe('operator work queue', () => {
  it('reconciles a key once at a time and once more for an add while it ran', async () => {
    let running = 0;
    let most = 0;
    const calls: string[] = [];
    const gates: (() => void)[] = [];
    const queue = new ReconcileQueue(
      async (key) => {
        calls.push(key);
        most = Math.max(most, ++running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      },
      { clock: new FakeClock() },
    );
    queue.add('ns/a');
    queue.add('ns/a'); // still queued: merged
    await settle();
    assert.deepEqual(calls, ['ns/a']);
    queue.add('ns/a'); // while it runs: once more after
    queue.add('ns/a');
    gates.shift()!();
    await settle();
    assert.deepEqual(calls, ['ns/a', 'ns/a']);
    gates.shift()!();
    await settle();
    assert.equal(most, 1);
    assert.equal(queue.depth, 0);
  });

  it('runs different keys concurrently up to its concurrency', async () => {
    const gates: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const queue = new ReconcileQueue(
      async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      },
      { clock: new FakeClock(), concurrency: 2 },
    );
    for (const k of ['a', 'b', 'c']) queue.add(k);
    await settle();
    assert.equal(most, 2);
    assert.equal(queue.depth, 3);
    while (gates.length) {
      gates.shift()!();
      await settle();
    }
    assert.equal(queue.depth, 0);
  });

  it('retries a failing key with doubling backoff, reset by a success', async () => {
    const clock = new FakeClock();
    let failures = 2;
    const times: number[] = [];
    const retries: number[] = [];
    const queue = new ReconcileQueue(
      async () => {
        times.push(clock.now());
        if (failures-- > 0) throw new Error('API server unavailable');
      },
      { clock, baseDelayMs: 100, onError: (_, __, ms) => retries.push(ms) },
    );
    queue.add('k');
    await settle();
    await clock.advance(1_000);
    assert.deepEqual(times, [0, 100, 300]);
    assert.deepEqual(retries, [100, 200]);
    failures = 1;
    queue.add('k');
    await settle();
    await clock.advance(1_000);
    assert.deepEqual(retries, [100, 200, 100], 'a success resets the backoff');
  });

  it('runs a key again after the delay its reconcile asked for; the earliest pending delay wins', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const queue = new ReconcileQueue(
      async () => {
        times.push(clock.now());
        return times.length === 1 ? { requeueAfterMs: 5_000 } : {};
      },
      { clock },
    );
    queue.add('k');
    await settle();
    queue.addAfter('k', 1_000);
    await clock.advance(10_000);
    assert.deepEqual(times, [0, 1_000]);
    assert.deepEqual(clock.pending, []);
  });

  it('takes nothing after stop', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const queue = new ReconcileQueue(async () => void calls++, { clock });
    queue.addAfter('k', 100);
    await queue.stop();
    queue.add('k');
    await clock.advance(1_000);
    assert.equal(calls, 0);
  });
});
