import { parse } from 'node:path';
import type { ConnectionOptions } from 'nats';
import { type DataRoots, openDataRoots } from '../../../src/data/data-roots.js';
import { ClientSecurity, type ClientSecurityOptions } from './client-security.js';
import { natsSecurity } from './nats-security.js';
import { type ServerSecurity, serverSecurity } from './server-security.js';
import type { NatsSecurityOptions } from './nats-security.js';

/** How a service process secures its server and its own calls (its security flags). */
export interface SecurityConfig {
  /** Serve TLS with this certificate chain and key; also presented when it dials others. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Verifies the servers it dials and the client certificates it is shown. */
  readonly tlsCa?: string;
  /** Mutual TLS: refuse clients without a certificate of tlsCa. */
  readonly requireClientCert: boolean;
  /** Who may call it, as what (docs/security.md); none: every caller that can connect. */
  readonly accessFile?: string;
  /** The bearer token of its own calls. */
  readonly tokenFile?: string;
  /** The name the certificates of the servers it dials must carry. */
  readonly tlsServerName?: string;
  /** How often TLS, access and token files are looked at for a change. */
  readonly tlsReloadMs: number;
  /** Plaintext beyond loopback and untrusted peers are allowed, with a warning. */
  readonly insecure: boolean;
}

/** Where and how a process listens: its gRPC server and its /metrics. */
export interface ServiceConfig extends SecurityConfig {
  readonly host: string;
  /** gRPC port; 0 picks a free one. */
  readonly port: number;
  /** Port of /metrics (and /healthz, /readyz) on host; 0 picks a free one. */
  readonly metricsPort: number;
  /** On SIGTERM, how long in-flight calls may run on. */
  readonly drainSeconds: number;
}

/** The NATS server a process connects to, and how. */
export type NatsConfig = Omit<NatsSecurityOptions, 'insecure'> & { readonly nats: string };

/** Where a process may read the files a search names. */
export interface DataConfig {
  readonly dataRoot?: string[];
  readonly benchmarkTable?: Record<string, string>;
}

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
  o: ServiceConfig & DataConfig & Partial<NatsConfig>,
  usesNats = true,
  log = (line: string) => console.error(line),
): Promise<ServiceSecurity> {
  const server = await serverSecurity(o.host, { ...o, reloadMs: o.tlsReloadMs }, log);
  const client = ClientSecurity.from({ ...clientSecurityOptions(o), log });
  const nats = usesNats ? await natsSecurity(o.nats!, o, log) : {};
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
export function dataRoots(o: DataConfig): Promise<DataRoots> {
  const cwd = process.cwd();
  return openDataRoots(o.dataRoot ?? (parse(cwd).root === cwd ? [] : [cwd]), o.benchmarkTable ?? {});
}

/** ClientSecurity's options from a process's flags; an empty value (`NASMESH_TOKEN_FILE= nasmesh status`) is unset. */
export function clientSecurityOptions(
  o: Pick<SecurityConfig, 'tlsCa' | 'tlsCert' | 'tlsKey' | 'tokenFile' | 'tlsServerName'> & { insecure?: boolean; tlsReloadMs?: number },
): ClientSecurityOptions {
  const given = (v: string | undefined): v is string => v !== undefined && v !== '';
  return {
    ...(given(o.tlsCa) ? { tlsCa: o.tlsCa } : {}),
    ...(given(o.tlsCert) ? { tlsCert: o.tlsCert } : {}),
    ...(given(o.tlsKey) ? { tlsKey: o.tlsKey } : {}),
    ...(given(o.tokenFile) ? { tokenFile: o.tokenFile } : {}),
    ...(given(o.tlsServerName) ? { serverName: o.tlsServerName } : {}),
    insecure: o.insecure ?? false,
    ...(o.tlsReloadMs !== undefined ? { reloadMs: o.tlsReloadMs } : {}),
  };
}
