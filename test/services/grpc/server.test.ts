import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { healthStatus, profile, profilerClient, reflect, watchHealth } from './clients.js';
import { nb201, slow, small, smallEngineRequest, startLongCall, startProfilerServer } from './fixture.js';

let running: Awaited<ReturnType<typeof startProfilerServer>>;
before(async () => {
  running = await startProfilerServer();
});
after(() => running.server.shutdown());

test('health: the server and its service are SERVING, an unknown service is NOT_FOUND', async () => {
  assert.equal(await healthStatus(running.address, ''), 'SERVING');
  assert.equal(await healthStatus(running.address, 'nasmesh.v1.LatencyProfiler'), 'SERVING');
  await assert.rejects(healthStatus(running.address, 'nasmesh.v1.Controller'), { code: status.NOT_FOUND });
});

test('reflection lists the services this server serves and describes their messages', async () => {
  const { services, files } = await reflect(running.address, 'nasmesh.v1.ProfileArchitectureRequest');
  assert.deepEqual(services.sort(), ['grpc.health.v1.Health', 'nasmesh.v1.LatencyProfiler']);
  assert.ok(files > 0, 'a file descriptor for nasmesh.v1.ProfileArchitectureRequest');
});

test('shutdown: health turns NOT_SERVING, the in-flight call finishes, new calls are refused', async () => {
  const { server, address } = await startProfilerServer();
  const client = profilerClient(address);
  const watch = watchHealth(address);
  const long = await startLongCall(client);
  await sleep(300);
  const shutdownAt = Date.now();
  const stopped = server.shutdown();
  for (let waited = 0; watch.statuses.length < 2 && waited < 5000; waited += 20) await sleep(20);
  assert.deepEqual(watch.statuses, ['SERVING', 'NOT_SERVING']);
  watch.cancel(); // an open Watch stream would otherwise hold the drain until its bound
  await assert.rejects(profile(client, { architecture: nb201, network: small, repeats: 1 }), { code: status.UNAVAILABLE });
  assert.equal((await long.done).repeats, long.repeats);
  assert.ok(long.finishedAt() > shutdownAt, 'the call was still running when shutdown began');
  await stopped;
  client.close();
});

test('shutdown cancels calls that outlive the drain bound, and their work stops', async () => {
  const { server, address, profiler } = await startProfilerServer(200);
  const client = profilerClient(address);
  // The outcome is taken at once: the rejection arrives during shutdown, before anything awaits it.
  const endless = profile(client, { architecture: nb201, network: slow, batchSize: 16, repeats: 1000 }).then(
    () => 'finished',
    (e: { code: number }) => e.code,
  );
  await sleep(300);
  const start = Date.now();
  await server.shutdown();
  assert.ok(Date.now() - start < 2000, `shutdown took ${Date.now() - start} ms`);
  assert.ok([status.CANCELLED, status.UNAVAILABLE].includes((await endless) as status), `outcome ${await endless}`);
  // The profiler measures one network at a time: it is free again only if the cancelled measurement stopped.
  const next = await Promise.race([profiler.profile(smallEngineRequest), sleep(5000, 'still busy', { ref: false })]);
  assert.notEqual(next, 'still busy');
  client.close();
});
