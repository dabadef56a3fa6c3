import { parse } from 'node:path';
import type { ConnectionOptions } from 'nats';
import { type DataRoots, openDataRoots } from '../../src/data/data-roots.js';
import { ClientSecurity } from '../common/security/client-security.js';
import { natsSecurity } from '../common/security/nats-security.js';
import { type ServerSecurity, serverSecurity } from '../common/security/server-security.js';
import type { ServeOptions } from './serve.js';
import { clientSecurityOptions, type DataFlags } from './security-options.js';

/** Everything a service process's flags say about its security, built once at start. */
export interface ServiceSecurity {
  /** Its gRPC server's credentials and authorization. */
  readonly server: ServerSecurity;
  /** How it dials other services. */
  readonly client: ClientSecurity;
  /** Its NATS connection's TLS and credential. */
  readonly nats: Pick<ConnectionOptions, 'tls' | 'authenticator'>;
  /** Where it may read the files a search names. */
  readonly data: DataRoots;
  close(): void;
}

/**
 * Builds a service's security from its flags, refusing at start (InsecureSettingError, TlsSettingError, ...) what
 * would leave it open, and logs one line saying how it runs. `usesNats`: false for the latency-profiler.
 */
export async function serviceSecurity(
  o: ServeOptions,
  usesNats = true,
  log = (line: string) => console.error(line),
): Promise<ServiceSecurity> {
  const server = await serverSecurity(o.host, { ...o, reloadMs: o.tlsReloadMs }, log);
  const client = ClientSecurity.from({ ...clientSecurityOptions(o), log });
  const nats = usesNats ? await natsSecurity(o.nats, o, log) : {};
  const data = await dataRoots(o);
  const natsLine = usesNats ? `; NATS ${nats.tls ? 'TLS' : 'plaintext'}${nats.authenticator ? ' with a credential' : ''}` : '';
  const roots = data.roots.map((r) => r.dir).join(', ') || 'none';
  log(`security: gRPC ${server.summary}${natsLine}; data roots: ${roots}`);
  return {
    server,
    client,
    nats,
    data,
    close: () => {
      server.close();
      client.close();
    },
  };
}

/** --data-root, else the working directory (where the operator mounts a search's data volume); never `/`. */
export function dataRoots(o: DataFlags): Promise<DataRoots> {
  const cwd = process.cwd();
  return openDataRoots(o.dataRoot ?? (parse(cwd).root === cwd ? [] : [cwd]), o.benchmarkTable ?? {});
}
