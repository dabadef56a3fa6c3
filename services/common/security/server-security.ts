import { ServerCredentials, type ServerInterceptor, ServerInterceptingCall } from '@grpc/grpc-js';
import { AccessPolicy } from './access-policy.js';
import { allowPlaintext } from './exposure.js';
import { requiredRole } from './method-roles.js';
import { TlsFiles } from './tls-files.js';

/** The flags that secure a gRPC server (SecurityConfig). */
export interface ServerSecurityOptions {
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  /** Mutual TLS: refuse connections without a client certificate that chains to --tls-ca. */
  readonly requireClientCert: boolean;
  /** Tokens and client identities with their roles; without it every caller that can connect may call every RPC. */
  readonly accessFile?: string;
  /** Plaintext beyond loopback is allowed (with a warning). */
  readonly insecure: boolean;
  /** How often TLS and access files are looked at for a change. */
  readonly reloadMs: number;
}

/** What a server listens with: its credentials and the interceptor that authorizes each call. */
export interface ServerSecurity {
  readonly credentials: ServerCredentials;
  readonly interceptors: ServerInterceptor[];
  /** One line for the start-up log. */
  readonly summary: string;
  close(): void;
}

/**
 * The security of a server listening on `host`: TLS from --tls-cert/--tls-key (mutual with --require-client-cert),
 * or plaintext where exposure.ts allows it; and, with an access file, a check of each call's bearer token or client
 * certificate against the role its RPC needs (health and reflection stay open). Refusals are UNAUTHENTICATED (no or
 * unknown credentials) or PERMISSION_DENIED (known, but not allowed).
 */
export async function serverSecurity(host: string, o: ServerSecurityOptions, log: (line: string) => void): Promise<ServerSecurity> {
  let tls: TlsFiles | undefined;
  let credentials: ServerCredentials;
  if (o.tlsCert !== undefined || o.tlsKey !== undefined) {
    tls = new TlsFiles({ cert: o.tlsCert, key: o.tlsKey, ca: o.tlsCa, reloadMs: o.reloadMs, log });
    credentials = tls.serverCredentials(o.requireClientCert);
  } else {
    await allowPlaintext({ what: `gRPC on ${host}`, host, secureWith: '--tls-cert and --tls-key', insecure: o.insecure, log });
    credentials = ServerCredentials.createInsecure();
  }
  const policy = o.accessFile !== undefined ? AccessPolicy.load(o.accessFile, o.reloadMs, log) : undefined;
  const transport = tls ? `TLS (${tls.describe()})${o.requireClientCert ? ', client certificates required' : ''}` : 'plaintext';
  const access = policy
    ? `access file ${o.accessFile}`
    : o.requireClientCert
      ? 'any client with a certificate of the CA'
      : 'no access file: every caller may call every RPC';
  return {
    credentials,
    interceptors: policy ? [authorizing(policy)] : [],
    summary: `${transport}; ${access}`,
    close: () => {
      tls?.close();
      policy?.close();
    },
  };
}

/** Checks each call's credentials once its metadata arrives; a refused call ends with its status, unread. */
function authorizing(policy: AccessPolicy): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const needed = requiredRole(method.path);
            const refusal = needed === 'open' ? undefined : policy.authorize(method.path, needed, metadata, call.getAuthContext());
            if (refusal) call.sendStatus(refusal);
            else pass(metadata);
          },
        }),
    });
}
