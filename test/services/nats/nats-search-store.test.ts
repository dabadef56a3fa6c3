import type { NatsConnection } from 'nats';
import { after, before, describe } from 'node:test';
import { closeNats, connectNats } from '../../../services/common/nats/connection.js';
import { NatsSearchStore } from '../../../services/common/nats/nats-search-store.js';
import { BLOB_BUCKET, SEARCH_BUCKET } from '../../../services/common/nats/subjects.js';
import { padIndex } from '../../../src/store/keys.js';
import { searchStoreContract } from '../../store/search-store-contract.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';

describe('NatsSearchStore', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  let server: NatsServer;
  const connections: NatsConnection[] = [];
  before(async () => {
    server = await NatsServer.start();
  });
  after(async () => {
    await Promise.all(connections.map((nc) => closeNats(nc)));
    await server?.dispose();
  });

  searchStoreContract(() => ({
    open: async () => {
      const nc = await connectNats({ servers: server.url, name: 'store-test' });
      connections.push(nc);
      return NatsSearchStore.open(nc, () => {});
    },
    restart: () => server.restart(),
    // Written as any NATS client could: straight into the bucket and the object store.
    corrupt: async (id, record, text) => {
      const nc = await connectNats({ servers: server.url, name: 'store-corrupter' });
      connections.push(nc);
      const js = nc.jetstream();
      const data = new TextEncoder().encode(text);
      if (record === 'checkpoint') await (await js.views.os(BLOB_BUCKET)).putBlob({ name: `${id}/checkpoint.json` }, data);
      else
        await (
          await js.views.kv(SEARCH_BUCKET)
        ).put(record === 'search' ? `search.${id}` : `candidate.${id}.${padIndex(record.candidate)}`, data);
    },
  }));
});
