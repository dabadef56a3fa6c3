import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

export interface ConnectOptions {
  /** One URL or several of the same cluster, e.g. nats://127.0.0.1:4222. */
  readonly servers: string | string[];
  /** Shown by the server's monitoring (connz): the service and its instance. */
  readonly name: string;
  /** TLS and credential (services/common/security/nats-security.ts); none: plaintext, anonymous. */
  readonly security?: Pick<ConnectionOptions, 'tls' | 'authenticator'>;
}

/**
 * Connects and keeps reconnecting forever: a service outlives any nats-server restart, and one started before
 * its server waits for it instead of failing. Frequent pings notice a server that vanished without closing the
 * socket (a lost pod) within seconds.
 */
export function connectNats({ servers, name, security }: ConnectOptions): Promise<NatsConnection> {
  return connect({
    servers,
    name,
    ...security,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 5_000,
    maxPingOut: 3,
    // Each request would capture two stack traces for its error messages: measurable CPU on every publish, KV
    // write and ack of the mesh's hot path. Our errors name the subject and message id instead.
    noAsyncTraces: true,
  });
}

/**
 * Drains (lets subscriptions finish what they hold and flushes what was published), then closes. A drain cannot
 * complete while no server is reachable, and nats.js's drain may resolve without closing, so after it (or after
 * `timeoutMs`) the connection is closed outright.
 */
export async function closeNats(nc: NatsConnection, timeoutMs = 5_000): Promise<void> {
  if (nc.isClosed()) return;
  if (!nc.isDraining()) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([nc.drain().catch(() => {}), timedOut]);
    clearTimeout(timer);
  }
  await nc.close();
}
