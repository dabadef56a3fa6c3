import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys, usernamePasswordAuthenticator } from 'nats';
import type { SecuredNats } from './nats-server.js';
import type { TestPki } from './pki.js';

/** A TLS nats-server that verifies client certificates and knows a user with a password and an NKey user. */
export interface SecureNatsSetup {
  readonly secured: SecuredNats;
  /** A client certificate the server accepts. */
  readonly clientCert: { readonly cert: string; readonly key: string };
  readonly user: string;
  readonly passwordFile: string;
  readonly nkeyFile: string;
  /** The flags a nasmesh service connects with: TLS, client certificate, user and password. */
  readonly flags: string[];
}

/** Writes the files of a secured nats-server (certificates of `pki`) into `pki.dir`. */
export function secureNats(pki: TestPki): SecureNatsSetup {
  const server = pki.issue('nats');
  const clientCert = pki.issue('nats-client');
  const user = 'mesh';
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const passwordFile = join(pki.dir, 'nats-password');
  writeFileSync(passwordFile, `${password}\n`);
  const nkey = nkeys.createUser();
  const nkeyFile = join(pki.dir, 'nats-nkey.seed');
  writeFileSync(nkeyFile, new TextDecoder().decode(nkey.getSeed()));
  const config = [
    'tls {',
    `  cert_file: "${server.cert}"`,
    `  key_file: "${server.key}"`,
    `  ca_file: "${pki.ca}"`,
    '  verify: true',
    '  timeout: 5',
    '}',
    'authorization {',
    '  users = [',
    `    {user: "${user}", password: "${password}"}`,
    `    {nkey: "${nkey.getPublicKey()}"}`,
    '  ]',
    '}',
  ].join('\n');
  const tls = { caFile: pki.ca, certFile: clientCert.cert, keyFile: clientCert.key };
  return {
    secured: { config, client: { tls, authenticator: usernamePasswordAuthenticator(user, password) } },
    clientCert,
    user,
    passwordFile,
    nkeyFile,
    flags: [
      '--nats-ca',
      pki.ca,
      '--nats-cert',
      clientCert.cert,
      '--nats-key',
      clientCert.key,
      '--nats-user',
      user,
      '--nats-password-file',
      passwordFile,
    ],
  };
}
