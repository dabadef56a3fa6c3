import { type ChannelCredentials, type ChannelOptions, credentials, Metadata } from '@grpc/grpc-js';
import { CLIENT_OPTIONS } from '../grpc/limits.js';
import { InsecureSettingError, isLoopbackAddress } from './exposure.js';
import { TlsFiles } from './tls-files.js';
import { WatchedFile } from './watched-file.js';

/** The flags that secure a process's own gRPC calls (to a controller, a trainer, a profiler). */
export interface ClientSecurityOptions {
  /** Verify servers with this CA (dial with TLS); without it, calls go in plaintext. */
  readonly tlsCa?: string;
  /** Present this certificate and key (mutual TLS). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Send the token in this file as `authorization: Bearer <token>`. */
  readonly tokenFile?: string;
  /**
   * The name every server's certificate must carry, whatever address is dialed: a mesh whose services share one
   * identity (the Helm chart's `nasmesh-mesh`) reaches pods by names and IPs no certificate could list in advance.
   */
  readonly serverName?: string;
  /** A token may go in plaintext beyond loopback. */
  readonly insecure?: boolean;
  readonly reloadMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * How a client dials: channel credentials (TLS with reloading files, or plaintext), the channel options of
 * limits.ts, and each call's metadata (the bearer token, read again when its file changes).
 */
export class ClientSecurity {
  readonly options: ChannelOptions;

  private constructor(
    readonly credentials: ChannelCredentials,
    private readonly token: WatchedFile<string> | undefined,
    private readonly tls: TlsFiles | undefined,
    private readonly insecure: boolean,
    serverName?: string,
  ) {
    this.options = serverName
      ? { ...CLIENT_OPTIONS, 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName }
      : CLIENT_OPTIONS;
  }

  /** Plaintext, no token: what a process without client flags uses. */
  static plaintext(): ClientSecurity {
    return new ClientSecurity(credentials.createInsecure(), undefined, undefined, false);
  }

  static from(o: ClientSecurityOptions): ClientSecurity {
    const log = o.log ?? ((line: string) => console.error(line));
    const reloadMs = o.reloadMs ?? 5_000;
    const tls = o.tlsCa !== undefined ? new TlsFiles({ cert: o.tlsCert, key: o.tlsKey, ca: o.tlsCa, reloadMs, log }) : undefined;
    if (!tls && o.tlsCert !== undefined)
      throw new InsecureSettingError('--tls-cert for outgoing calls needs --tls-ca, the CA the servers chain to');
    const token = o.tokenFile !== undefined ? new WatchedFile(o.tokenFile, readToken, reloadMs, log) : undefined;
    if (!tls && o.serverName !== undefined)
      throw new InsecureSettingError('--tls-server-name needs --tls-ca: it names the certificate TLS verifies');
    return new ClientSecurity(tls?.channelCredentials() ?? credentials.createInsecure(), token, tls, o.insecure ?? false, o.serverName);
  }

  /**
   * Checks that calls to `address` (host:port) may carry this client's token: over TLS, to loopback, or with
   * --insecure. A token sent in plaintext across a network is a token given away.
   */
  assertCanCall(address: string): void {
    if (!this.token || this.tls || this.insecure) return;
    const host = address.slice(0, address.lastIndexOf(':'));
    if (host !== 'localhost' && !isLoopbackAddress(host)) {
      throw new InsecureSettingError(
        `refusing to send the bearer token of ${this.token.path} in plaintext to ${address}: give --tls-ca (or --insecure)`,
      );
    }
  }

  /** The metadata of one call. */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token.current}`);
    return metadata;
  }

  close(): void {
    this.token?.close();
    this.tls?.close();
  }
}

function readToken(text: string): string {
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw new Error('must hold one token, without spaces');
  return token;
}
