import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { type BucketClock, RateLimitedKubeConfig, TokenBucket } from '../../../services/common/kube/rate-limit.js';

/** A clock that moves only when told, running the timers that fall due. */
class FakeClock implements BucketClock {
  ms = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now = () => this.ms;
  setTimeout = (fn: () => void, ms: number) => this.timers.push({ at: this.ms + ms, fn });
  async advance(ms: number): Promise<void> {
    this.ms += ms;
    const due = this.timers.filter((t) => t.at <= this.ms);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) t.fn();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

describe("the operator's client-side rate limit (client-go's token bucket)", () => {
  it('lets a burst through at once, then one request per 1/qps seconds, in the order they came', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    const passed: number[] = [];
    const all = Array.from({ length: 6 }, (_, i) => bucket.take().then(() => passed.push(i)));
    await clock.advance(0);
    assert.deepEqual(passed, [0, 1, 2]);
    await clock.advance(100);
    assert.deepEqual(passed, [0, 1, 2, 3]);
    await clock.advance(100);
    await clock.advance(100);
    await Promise.all(all);
    assert.deepEqual(passed, [0, 1, 2, 3, 4, 5]);
    // Idle time refills up to the burst, no more.
    await clock.advance(10_000);
    const again: number[] = [];
    for (let i = 0; i < 4; i++) void bucket.take().then(() => again.push(i));
    await clock.advance(0);
    assert.deepEqual(again, [0, 1, 2]);
  });

  it('refuses a bucket that would never let anything through', () => {
    assert.throws(() => new TokenBucket(0, 1), RangeError);
    assert.throws(() => new TokenBucket(5, 0), RangeError);
  });

  it('takes a token for every API request of the clients a limited KubeConfig makes', async () => {
    const server = createServer((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NamespaceList","items":[]}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    let taken = 0;
    const bucket = new TokenBucket(1000, 1000);
    const take = bucket.take.bind(bucket);
    bucket.take = () => (taken++, take());
    const kc = new RateLimitedKubeConfig(bucket);
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < 3; i++) await api.listNamespace();
    server.close();
    assert.equal(taken, 3);
  });
});
