import { createHash, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { type Metadata, type ServerInterceptingCallInterface, status } from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { NasmeshError, ValidationError } from '../../../src/util/errors.js';
import { parseWith } from '../../../src/util/schema.js';
import type { RequiredRole } from './method-roles.js';
import { WatchedFile } from './watched-file.js';

/** What grpc-js tells of a call's TLS peer: the client certificate, once it was verified. */
type AuthContext = ReturnType<ServerInterceptingCallInterface['getAuthContext']>;

export const ROLES = ['reader', 'writer'] as const;
export type Role = (typeof ROLES)[number];

/** Shortest plain token the access file takes: a guessable token is no credential. */
const MIN_TOKEN_LENGTH = 16;

/**
 * The access file (`--access-file`, YAML or JSON): who may call this server, and as what.
 *
 *     tokens:                      # Authorization: Bearer <token>
 *       - {name: ci, role: writer, sha256: <hex digest of the token>}
 *       - {name: dashboard, role: reader, token: <the token itself>}
 *     clients:                     # mutual TLS: a client certificate's subject CN or DNS/URI alternative name
 *       - {name: nasmesh-operator, role: writer}
 */
const accessFileSchema = z
  .object({
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1).max(128),
            role: z.enum(ROLES),
            token: z.string().min(MIN_TOKEN_LENGTH).max(4096).optional(),
            sha256: z
              .string()
              .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
              .optional(),
          })
          .strict()
          .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), 'set exactly one of token and sha256'),
      )
      .max(1000)
      .default([]),
    clients: z
      .array(z.object({ name: z.string().min(1).max(1024), role: z.enum(ROLES) }).strict())
      .max(1000)
      .default([]),
  })
  .strict();

/** Who called: a token's or a client certificate's name in the access file, and its role. */
export interface Caller {
  readonly name: string;
  readonly role: Role;
}

/** Why a call is refused: the gRPC status and its message. */
export interface Refusal {
  readonly code: status;
  readonly details: string;
}

interface Access {
  readonly tokens: readonly (Caller & { readonly digest: Buffer })[];
  readonly clients: ReadonlyMap<string, Caller>;
}

/** The access file cannot be used. */
export class AccessFileError extends NasmeshError {}

/**
 * Bearer tokens and client-certificate identities with their roles, from the access file (reloaded when it changes:
 * a token revoked or added takes effect at once). A reader may call the RPCs that only read (method-roles.ts), a
 * writer every one.
 */
export class AccessPolicy {
  private constructor(private readonly file: WatchedFile<Access>) {}

  static load(path: string, reloadMs: number, log: (line: string) => void): AccessPolicy {
    try {
      return new AccessPolicy(new WatchedFile(path, parseAccessFile, reloadMs, log));
    } catch (e) {
      throw new AccessFileError(`--access-file ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Undefined when the call may go on; otherwise why not (UNAUTHENTICATED or PERMISSION_DENIED). */
  authorize(method: string, needed: Exclude<RequiredRole, 'open'>, metadata: Metadata, auth: AuthContext): Refusal | undefined {
    const access = this.file.current;
    let caller: Caller | undefined;
    const header = metadata.get('authorization')[0];
    if (header !== undefined) {
      const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      if (token === undefined) return { code: status.UNAUTHENTICATED, details: 'the authorization header is not "Bearer <token>"' };
      caller = matchToken(access, token);
      if (!caller) return { code: status.UNAUTHENTICATED, details: 'unknown bearer token' };
    } else if (auth.sslPeerCertificate) {
      const names = certificateNames(auth.sslPeerCertificate);
      caller = names.map((n) => access.clients.get(n)).find((c) => c !== undefined);
      if (!caller) {
        return {
          code: status.PERMISSION_DENIED,
          details: `client certificate ${names.join(', ') || '(no names)'} is not in the access file`,
        };
      }
    } else {
      return { code: status.UNAUTHENTICATED, details: 'no credentials: send "authorization: Bearer <token>" or a client certificate' };
    }
    if (needed === 'writer' && caller.role !== 'writer') {
      return {
        code: status.PERMISSION_DENIED,
        details: `${caller.name} is a ${caller.role} and may not call ${method.split('/')[2]}: it changes state, writers only`,
      };
    }
    return undefined;
  }

  close(): void {
    this.file.close();
  }
}

function parseAccessFile(text: string): Access {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    throw new ValidationError('(file)', 'is not YAML or JSON');
  }
  const file = parseWith(accessFileSchema, value ?? {}, '');
  return {
    tokens: file.tokens.map((t) => ({ name: t.name, role: t.role, digest: t.sha256 ? Buffer.from(t.sha256, 'hex') : sha256(t.token!) })),
    clients: new Map(file.clients.map((c) => [c.name, { name: c.name, role: c.role }])),
  };
}

/** The token's entry; every entry is compared, in constant time, so timing tells nothing of near misses. */
function matchToken(access: Access, token: string): Caller | undefined {
  const digest = sha256(token);
  let found: Caller | undefined;
  for (const t of access.tokens) if (timingSafeEqual(t.digest, digest) && !found) found = t;
  return found && { name: found.name, role: found.role };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A verified client certificate's names: its subject CN and its DNS and URI subject alternative names. */
export function certificateNames(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  for (const entry of (cert.subjectaltname ?? '').split(', ')) {
    const match = /^(DNS|URI):(.+)$/.exec(entry);
    if (match) names.push(match[2]!);
  }
  return names;
}
