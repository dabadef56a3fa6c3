import type { NatsConnection } from 'nats';
import { after, before, describe } from 'node:test';
import { closeNats, connectNats } from '../../../services/common/nats/connection.js';
import { NatsSearchStore } from '../../../services/common/nats/nats-search-store.js';
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
      return NatsSearchStore.open(nc);
    },
    restart: () => server.restart(),
  }));
});
