import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** The scrape address, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from a registry on host:port; port 0 picks a free port. With `ready`, also the probes a
 * Kubernetes Deployment points at: `/healthz` (the process answers) and `/readyz` (200 once `ready()`, else 503).
 */
export async function serveMetrics(
  registry: Registry,
  listen: { host: string; port: number },
  ready?: () => boolean,
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (ready && path === '/healthz') return void res.writeHead(200).end('ok\n');
    if (ready && path === '/readyz') return void (ready() ? res.writeHead(200).end('ok\n') : res.writeHead(503).end('not ready\n'));
    if (path !== '/metrics') return void res.writeHead(404).end('not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => res.writeHead(500).end(`collecting metrics failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Scrapers keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
