import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect, type ConnectionOptions } from 'nats';
import { closeNats, connectNats } from '../../../services/common/nats/connection.js';
import { NatsSearchStore } from '../../../services/common/nats/nats-search-store.js';
import { InsecureSettingError } from '../../../services/common/security/exposure.js';
import { type NatsSecurityOptions, natsSecurity } from '../../../services/common/security/nats-security.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';
import { TestPki } from '../../support/pki.js';
import { type SecureNatsSetup, secureNats } from '../../support/secure-nats.js';

/** Connects once, without retrying: resolves when the server lets the client in. */
async function connectOnce(url: string, options: Partial<ConnectionOptions>): Promise<void> {
  const nc = await connect({ ...options, servers: url, reconnect: false, timeout: 3_000 });
  await nc.close();
}

describe('NATS with TLS and credentials', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  let pki: TestPki;
  let setup: SecureNatsSetup;
  let server: NatsServer;
  const none = () => {};

  before(async () => {
    pki = TestPki.create();
    setup = secureNats(pki);
    server = await NatsServer.start(setup.secured);
  });
  after(async () => {
    await server?.dispose();
    pki?.dispose();
  });

  const tlsFlags = (): NatsSecurityOptions => ({
    natsCa: pki.ca,
    natsCert: setup.clientCert.cert,
    natsKey: setup.clientCert.key,
    insecure: false,
  });

  it('a service connects with TLS, a client certificate and a user whose password is read from a file, and uses JetStream', async () => {
    const security = await natsSecurity(server.url, { ...tlsFlags(), natsUser: setup.user, natsPasswordFile: setup.passwordFile }, none);
    const nc = await connectNats({ servers: server.url, name: 'secure-test', security });
    try {
      const store = await NatsSearchStore.open(nc);
      assert.equal(await store.getSearch('nothing-here'), undefined);
    } finally {
      await closeNats(nc);
    }
  });

  it('an NKey seed file is a credential too', async () => {
    await connectOnce(server.url, await natsSecurity(server.url, { ...tlsFlags(), natsNkeyFile: setup.nkeyFile }, none));
  });

  it('refuses a client without credentials, with a wrong password, without a client certificate, or in plaintext', async () => {
    await assert.rejects(connectOnce(server.url, await natsSecurity(server.url, tlsFlags(), none)), /authorization/i);
    const wrong = `${setup.passwordFile}.wrong`;
    writeFileSync(wrong, 'not-the-password');
    await assert.rejects(
      connectOnce(server.url, await natsSecurity(server.url, { ...tlsFlags(), natsUser: setup.user, natsPasswordFile: wrong }, none)),
      /authorization/i,
    );
    const noCert = await natsSecurity(
      server.url,
      { natsCa: pki.ca, natsUser: setup.user, natsPasswordFile: setup.passwordFile, insecure: false },
      none,
    );
    await assert.rejects(connectOnce(server.url, noCert));
    // A client that does not trust the server's CA never gets to talk (nats.js upgrades to the TLS the server asks for).
    await assert.rejects(connectOnce(server.url, {}), /certificate|tls|authorization/i);
  });

  it('refuses plaintext NATS beyond loopback unless --insecure, and half-given credentials', async () => {
    await assert.rejects(natsSecurity('nats://10.0.0.5:4222', { insecure: false }, none), InsecureSettingError);
    const lines: string[] = [];
    await natsSecurity('nats://10.0.0.5:4222', { insecure: true }, (l) => lines.push(l));
    assert.match(lines[0]!, /^WARNING: --insecure: plaintext NATS at nats:\/\/10.0.0.5:4222/);
    await assert.rejects(
      natsSecurity(server.url, { ...tlsFlags(), natsUser: 'mesh' }, none),
      /--nats-user and --nats-password-file go together/,
    );
    await assert.rejects(
      natsSecurity(server.url, { ...tlsFlags(), natsTokenFile: setup.passwordFile, natsNkeyFile: setup.nkeyFile }, none),
      /give one NATS credential/,
    );
    await assert.rejects(natsSecurity(server.url, { ...tlsFlags(), natsTokenFile: '/no/such/file' }, none), /cannot read \(ENOENT\)/);
  });
});
