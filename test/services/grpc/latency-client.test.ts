import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LatencyQuery } from '../../../src/latency/types.js';
import { createSpace } from '../../../src/space/registry.js';
import { startGrpcServer } from '../../../services/common/grpc/server.js';
import { RemoteLatencyProfiler } from '../../../services/controller/latency-profiler-client.js';
import { LatencyProfilerService } from '../../../services/gen/nasmesh/v1/latency_profiler.js';
import { latencyProfilerHandlers } from '../../../services/latency-profiler/handler.js';
import { nb201, small, startProfilerServer } from './fixture.js';

/** The controller's client of the latency-profiler service (`--latency-profiler`), against a real server. */

const space = createSpace('nb201');
const query: LatencyQuery = {
  space: { name: 'nb201' },
  architecture: space.toJSON(nb201.choices),
  network: small,
  batchSize: 1,
  repeats: 3,
};

let running: Awaited<ReturnType<typeof startProfilerServer>>;
before(async () => {
  running = await startProfilerServer();
});
after(() => running.server.shutdown());

/** A 127.0.0.1 port nothing listens on (a server's, after it stopped). */
async function closedPort(): Promise<number> {
  const s = await startProfilerServer();
  await s.server.shutdown();
  return s.server.port;
}

test('answers the median the profiler measured for the request', async () => {
  const client = new RemoteLatencyProfiler(running.address);
  try {
    const latency = await client.latencyMs(query);
    const profile = await running.profiler.profile({ space, arch: nb201.choices, network: small, batchSize: 1, repeats: 3 });
    assert.equal(profile.cached, true, 'the same request, so the same cache entry');
    assert.equal(latency, profile.medianMs);
  } finally {
    client.close();
  }
});

test('bad input fails at once with the server’s message, not retried', async () => {
  const client = new RemoteLatencyProfiler(running.address, { retryForMs: 60_000 });
  try {
    const started = Date.now();
    const bad = { ...query, network: { ...small, inputShape: [0, 8, 3] as const } };
    await assert.rejects(client.latencyMs(bad), /latency-profiler at 127\.0\.0\.1:\d+: 3 INVALID_ARGUMENT: network\.inputShape\.0/);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    client.close();
  }
});

test('UNAVAILABLE is retried until the profiler is up, within retryForMs', async () => {
  const port = await closedPort();
  const client = new RemoteLatencyProfiler(`127.0.0.1:${port}`, { retryForMs: 30_000 });
  let server: Awaited<ReturnType<typeof startGrpcServer>> | undefined;
  try {
    const latency = client.latencyMs(query);
    await new Promise((r) => setTimeout(r, 700));
    server = await startGrpcServer({
      host: '127.0.0.1',
      port,
      services: [{ definition: LatencyProfilerService, implementation: latencyProfilerHandlers(running.profiler) }],
    });
    assert.ok((await latency) > 0);
  } finally {
    client.close();
    await server?.shutdown();
  }
});

test('gives up on UNAVAILABLE after retryForMs, and stops retrying on abort with the abort reason', async () => {
  const address = `127.0.0.1:${await closedPort()}`;
  const client = new RemoteLatencyProfiler(address, { retryForMs: 500 });
  try {
    await assert.rejects(client.latencyMs(query), new RegExp(`latency-profiler at ${address}: 14 UNAVAILABLE`));
  } finally {
    client.close();
  }
  const patient = new RemoteLatencyProfiler(address, { retryForMs: 60_000 });
  try {
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('search cancelled')), 300);
    const started = Date.now();
    await assert.rejects(patient.latencyMs(query, abort.signal), /search cancelled/);
    assert.ok(Date.now() - started < 3_000, 'the abort ended the retries');
  } finally {
    patient.close();
  }
});
