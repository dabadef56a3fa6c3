import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  type ConnectionOptions,
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from 'nats';
import { allowPlaintext, InsecureSettingError } from './exposure.js';

/** The flags that secure a process's NATS connection. */
export interface NatsSecurityOptions {
  /** CA that the server's certificate chains to: connect with TLS. */
  readonly natsCa?: string;
  /** Client certificate and key, for a server that verifies clients (TLS `verify`). */
  readonly natsCert?: string;
  readonly natsKey?: string;
  /** One way to authenticate: user and password (from a file), a token, an NKey seed, or a creds file (JWT + seed). */
  readonly natsUser?: string;
  readonly natsPasswordFile?: string;
  readonly natsTokenFile?: string;
  readonly natsNkeyFile?: string;
  readonly natsCredsFile?: string;
  /** Plaintext beyond loopback is allowed (with a warning). */
  readonly insecure: boolean;
}

/**
 * The connect options for `servers`: TLS when a CA is given (or a `tls://` URL), and the authenticator of the one
 * credential given. Credential and certificate files are read at every (re)connect, so a rotated password, token
 * or certificate is used from the next reconnect on without a restart. A plaintext connection beyond loopback needs
 * --insecure (exposure.ts).
 */
export async function natsSecurity(
  servers: string,
  o: NatsSecurityOptions,
  log: (line: string) => void,
): Promise<Pick<ConnectionOptions, 'tls' | 'authenticator'>> {
  const urls = servers.split(',').map((s) => s.trim());
  const tlsWanted = o.natsCa !== undefined || o.natsCert !== undefined || urls.some((u) => u.startsWith('tls://'));
  if ((o.natsCert === undefined) !== (o.natsKey === undefined)) throw new InsecureSettingError('--nats-cert and --nats-key go together');
  if (tlsWanted && o.natsCa === undefined) throw new InsecureSettingError('TLS to NATS needs --nats-ca, the CA its certificate chains to');
  if (!tlsWanted) {
    for (const url of urls) {
      await allowPlaintext({
        what: `NATS at ${url}`,
        host: hostOf(url),
        secureWith: '--nats-ca (TLS) and a NATS credential',
        insecure: o.insecure,
        log,
      });
    }
  }
  const authenticator = natsAuthenticator(o);
  return {
    ...(tlsWanted ? { tls: { caFile: o.natsCa, ...(o.natsCert ? { certFile: o.natsCert, keyFile: o.natsKey } : {}) } } : {}),
    ...(authenticator ? { authenticator } : {}),
  };
}

function natsAuthenticator(o: NatsSecurityOptions): Authenticator | undefined {
  const given = [o.natsPasswordFile ?? o.natsUser, o.natsTokenFile, o.natsNkeyFile, o.natsCredsFile].filter((v) => v !== undefined);
  if (given.length > 1)
    throw new InsecureSettingError(
      'give one NATS credential: --nats-user with --nats-password-file, --nats-token-file, --nats-nkey-file or --nats-creds-file',
    );
  // Read now too, so that a missing file fails the start instead of every connect.
  const text = (file: string) => readable(file, () => readFileSync(file, 'utf8').trim());
  const bytes = (file: string) => readable(file, () => new TextEncoder().encode(readFileSync(file, 'utf8').trim()));
  if (o.natsUser !== undefined || o.natsPasswordFile !== undefined) {
    if (o.natsUser === undefined || o.natsPasswordFile === undefined)
      throw new InsecureSettingError('--nats-user and --nats-password-file go together');
    return usernamePasswordAuthenticator(o.natsUser, text(o.natsPasswordFile));
  }
  if (o.natsTokenFile !== undefined) return tokenAuthenticator(text(o.natsTokenFile));
  if (o.natsNkeyFile !== undefined) return nkeyAuthenticator(bytes(o.natsNkeyFile));
  if (o.natsCredsFile !== undefined) return credsAuthenticator(bytes(o.natsCredsFile));
  return undefined;
}

function readable<T>(file: string, read: () => T): () => T {
  try {
    read();
  } catch (e) {
    throw new InsecureSettingError(`NATS credential file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return read;
}

function hostOf(url: string): string {
  try {
    return new URL(url.includes('://') ? url : `nats://${url}`).hostname;
  } catch {
    return url;
  }
}
