import { after, before } from 'node:test';
import type { NatsConnection } from 'nats';
import type { CandidateRecord } from '../../../src/search/types.js';
import { closeNats, connectNats } from '../../../services/common/nats/connection.js';
import { NatsServer } from '../../support/nats-server.js';

/** Connections a test file opens, one per simulated process, closed together at the end. */
export class Connections {
  private readonly open: NatsConnection[] = [];

  constructor(private readonly url: () => string) {}

  async connect(name: string): Promise<NatsConnection> {
    const nc = await connectNats({ servers: this.url(), name });
    this.open.push(nc);
    return nc;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((nc) => closeNats(nc)));
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A work-queue job of the tests: a number to turn into a result. */
export interface Job {
  n: number;
}

/** A stored candidate of index `index` with reward (and accuracy) `reward`: what a test worker returns. */
export const record = (index: number, reward: number): CandidateRecord => ({
  index,
  architecture: { space: 'nb201', arch: `|a${index}|`, decisions: {} },
  hash: `h${index}`,
  reward,
  accuracy: reward,
  params: 1,
  flops: 1,
  seconds: 0,
});

/** A nats-server for the enclosing describe: started before its tests, stopped after them with every connection. */
export function suiteNatsServer(): { readonly server: NatsServer; readonly connections: Connections } {
  let server: NatsServer | undefined;
  const connections = new Connections(() => server!.url);
  before(async () => {
    server = await NatsServer.start();
  });
  after(async () => {
    await connections.closeAll();
    await server?.dispose();
  });
  return {
    get server() {
      return server!;
    },
    connections,
  };
}
