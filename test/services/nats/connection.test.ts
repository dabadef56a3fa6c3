import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeNats, connectNats } from '../../../services/common/nats/connection.js';
import { ensureStream, WORK_STREAM_CONFIG } from '../../../services/common/nats/streams.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';

describe('NATS connection and streams', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  let server: NatsServer;
  before(async () => {
    server = await NatsServer.start();
  });
  after(() => server?.dispose());

  it('waits for a server that is not up yet, and closes promptly once it is gone', async () => {
    await server.stop();
    const connecting = connectNats({ servers: server.url, name: 'early' });
    await new Promise((r) => setTimeout(r, 500));
    await server.restart();
    const nc = await connecting;
    await nc.flush();
    await server.stop();
    const started = Date.now();
    await closeNats(nc, 500);
    assert.ok(nc.isClosed());
    assert.ok(Date.now() - started < 3_000, `close took ${Date.now() - started} ms`);
    await server.restart();
  });

  it('brings an existing stream to the current configuration', async () => {
    const nc = await connectNats({ servers: server.url, name: 'streams' });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ ...WORK_STREAM_CONFIG, duplicate_window: 5_000_000_000 });
    await ensureStream(jsm, WORK_STREAM_CONFIG);
    await ensureStream(jsm, WORK_STREAM_CONFIG);
    const { config } = await jsm.streams.info(WORK_STREAM_CONFIG.name);
    assert.equal(config.duplicate_window, WORK_STREAM_CONFIG.duplicate_window);
    await closeNats(nc);
  });
});
