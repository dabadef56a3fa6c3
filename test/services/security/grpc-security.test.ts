import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import { ClientSecurity, type ClientSecurityOptions } from '../../../services/common/security/client-security.js';
import { InsecureSettingError, allowPlaintext } from '../../../services/common/security/exposure.js';
import { type ServerSecurity, type ServerSecurityOptions, serverSecurity } from '../../../services/common/security/server-security.js';
import { TlsSettingError } from '../../../services/common/security/tls-files.js';
import { LatencyProfilerClient, ProfileArchitectureRequest } from '../../../services/gen/nasmesh/v1/latency_profiler.js';
import { TestPki, type Issued } from '../../support/pki.js';
import { healthStatus } from '../grpc/clients.js';
import { nb201, small, startProfilerServer } from '../grpc/fixture.js';

const RELOAD_MS = 200;
const WRITER_TOKEN = 'writer-token-0123456789abcdef';
const READER_TOKEN = 'reader-token-0123456789abcdef';

/** A ProfileArchitecture call (a writer's RPC) with `security`'s credentials and token. */
async function profileWith(address: string, security: ClientSecurity): Promise<number> {
  const client = new LatencyProfilerClient(address, security.credentials, security.options);
  try {
    const request = ProfileArchitectureRequest.fromPartial({
      architecture: nb201,
      network: { ...small, inputShape: [...small.inputShape] },
      repeats: 1,
    });
    return await new Promise((resolve, reject) =>
      client.profileArchitecture(request, security.metadata(), { deadline: Date.now() + 10_000 }, (e, r) =>
        e ? reject(e) : resolve(r.medianMs),
      ),
    );
  } finally {
    client.close();
  }
}

/** The subject CN of the certificate a TLS server at `port` presents to a new connection. */
function servedCommonName(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ALPNProtocols: ['h2'], ca: [readFileSync(ca)] }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('gRPC transport security and identity', () => {
  let pki: TestPki;
  let server: Issued;
  let writerClient: Issued;
  let strangerClient: Issued;
  let accessFile: string;
  const running: { shutdown(): Promise<void> }[] = [];
  const securities: (ServerSecurity | ClientSecurity)[] = [];
  const log: string[] = [];

  const start = async (o: Partial<ServerSecurityOptions>) => {
    const security = await serverSecurity('127.0.0.1', { requireClientCert: false, insecure: false, reloadMs: RELOAD_MS, ...o }, (l) =>
      log.push(l),
    );
    securities.push(security);
    const { server: s, address } = await startProfilerServer(undefined, security);
    running.push(s);
    return { address, port: s.port };
  };
  const client = (o: ClientSecurityOptions) => {
    const security = ClientSecurity.from({ reloadMs: RELOAD_MS, log: (l) => log.push(l), ...o });
    securities.push(security);
    return security;
  };
  const token = (text: string) => {
    const file = join(pki.dir, `token-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`);
    writeFileSync(file, `${text}\n`);
    return file;
  };
  const refused = (code: status, details?: RegExp) => (e: ServiceError) => {
    assert.equal(e.code, code, e.details);
    if (details) assert.match(e.details, details);
    return true;
  };

  before(() => {
    pki = TestPki.create();
    server = pki.issue('profiler');
    writerClient = pki.issue('nasmesh-operator');
    strangerClient = pki.issue('someone-else');
    accessFile = join(pki.dir, 'access.yaml');
    const digest = createHash('sha256').update(WRITER_TOKEN).digest('hex');
    writeFileSync(
      accessFile,
      [
        'tokens:',
        `  - {name: ci, role: writer, sha256: ${digest}}`,
        `  - {name: dashboard, role: reader, token: ${READER_TOKEN}}`,
        'clients:',
        '  - {name: nasmesh-operator, role: writer}',
      ].join('\n'),
    );
  });
  after(async () => {
    await Promise.all(running.map((s) => s.shutdown()));
    for (const s of securities) s.close();
    pki.dispose();
  });

  it('TLS with bearer tokens: no token or an unknown one is UNAUTHENTICATED, a reader may not call a writer RPC', async () => {
    const { address } = await start({ tlsCert: server.cert, tlsKey: server.key, accessFile });
    const tls = { tlsCa: pki.ca };
    await assert.rejects(profileWith(address, client(tls)), refused(status.UNAUTHENTICATED, /no credentials/));
    await assert.rejects(
      profileWith(address, client({ ...tls, tokenFile: token('not-a-known-token-at-all') })),
      refused(status.UNAUTHENTICATED, /unknown bearer token/),
    );
    await assert.rejects(
      profileWith(address, client({ ...tls, tokenFile: token(READER_TOKEN) })),
      refused(status.PERMISSION_DENIED, /dashboard is a reader .*ProfileArchitecture/),
    );
    assert.ok((await profileWith(address, client({ ...tls, tokenFile: token(WRITER_TOKEN) }))) > 0);
    // Health checking stays open, for probes: TLS without any credential.
    assert.equal(await healthStatus(address, '', client(tls).credentials), 'SERVING');
  });

  it('a plaintext client cannot talk to a TLS server', async () => {
    const { address } = await start({ tlsCert: server.cert, tlsKey: server.key });
    await assert.rejects(profileWith(address, ClientSecurity.plaintext()), refused(status.UNAVAILABLE));
    assert.ok((await profileWith(address, client({ tlsCa: pki.ca }))) > 0, 'the same call over TLS goes through');
  });

  it('mutual TLS: no client certificate or one of another CA is refused; a listed identity may call, an unlisted one not', async () => {
    const { address } = await start({ tlsCert: server.cert, tlsKey: server.key, tlsCa: pki.ca, requireClientCert: true, accessFile });
    await assert.rejects(profileWith(address, client({ tlsCa: pki.ca })), refused(status.UNAVAILABLE));
    const other = TestPki.create('other-ca');
    try {
      const forged = other.issue('nasmesh-operator');
      await assert.rejects(
        profileWith(address, client({ tlsCa: pki.ca, tlsCert: forged.cert, tlsKey: forged.key })),
        refused(status.UNAVAILABLE),
      );
    } finally {
      other.dispose();
    }
    await assert.rejects(
      profileWith(address, client({ tlsCa: pki.ca, tlsCert: strangerClient.cert, tlsKey: strangerClient.key })),
      refused(status.PERMISSION_DENIED, /someone-else.* is not in the access file/),
    );
    assert.ok((await profileWith(address, client({ tlsCa: pki.ca, tlsCert: writerClient.cert, tlsKey: writerClient.key }))) > 0);
  });

  it('reloads a rotated certificate and an edited access file without a restart', async () => {
    const files = { cert: join(pki.dir, 'rotating.pem'), key: join(pki.dir, 'rotating.key') };
    pki.issue('first-name', { to: files });
    const editable = join(pki.dir, 'editable-access.yaml');
    writeFileSync(editable, 'tokens: []\n');
    const { address, port } = await start({ tlsCert: files.cert, tlsKey: files.key, accessFile: editable });
    assert.equal(await servedCommonName(port, pki.ca), 'first-name');
    const writer = client({ tlsCa: pki.ca, tokenFile: token(WRITER_TOKEN) });
    await assert.rejects(profileWith(address, writer), refused(status.UNAUTHENTICATED));

    pki.issue('second-name', { to: files });
    writeFileSync(editable, `tokens: [{name: ci, role: writer, token: ${WRITER_TOKEN}}]\n`);
    for (let waited = 0; (await servedCommonName(port, pki.ca)) !== 'second-name'; waited += 100) {
      assert.ok(waited < 10_000, 'the new certificate is served within 10 s');
      await sleep(100);
    }
    assert.ok((await profileWith(address, writer)) > 0, 'the token added to the access file is accepted');
    assert.ok(
      log.some((l) => /reloaded TLS certificate CN=second-name/.test(l)),
      log.join('\n'),
    );
  });

  it('refuses plaintext beyond loopback unless --insecure, which warns', async () => {
    const lines: string[] = [];
    const check = (host: string, insecure: boolean) =>
      allowPlaintext({ what: `gRPC on ${host}`, host, secureWith: '--tls-cert and --tls-key', insecure, log: (l) => lines.push(l) });
    await check('127.0.0.1', false);
    await check('localhost', false);
    await assert.rejects(
      check('0.0.0.0', false),
      (e: unknown) => e instanceof InsecureSettingError && /--tls-cert and --tls-key, or pass --insecure/.test(e.message),
    );
    await assert.rejects(check('10.1.2.3', false), InsecureSettingError);
    assert.deepEqual(lines, []);
    await check('0.0.0.0', true);
    assert.match(lines[0]!, /^WARNING: --insecure: plaintext gRPC on 0.0.0.0/);
    // A bearer token is not sent in plaintext to another machine either.
    const tokenOnly = client({ tokenFile: token(WRITER_TOKEN) });
    assert.throws(() => tokenOnly.assertCanCall('controller.example:50051'), InsecureSettingError);
    assert.doesNotThrow(() => tokenOnly.assertCanCall('127.0.0.1:50051'));
  });

  it('refuses TLS files that do not fit, naming the flag and quoting no key', async () => {
    const other = pki.issue('other');
    await assert.rejects(
      start({ tlsCert: server.cert, tlsKey: other.key }),
      (e: unknown) => e instanceof TlsSettingError && /--tls-key .* is not the key of the certificate/.test(e.message),
    );
    const garbage = join(pki.dir, 'garbage.key');
    writeFileSync(garbage, 'SECRET-KEY-MATERIAL');
    await assert.rejects(
      start({ tlsCert: server.cert, tlsKey: garbage }),
      (e: unknown) => e instanceof TlsSettingError && !e.message.includes('SECRET') && /not a PEM private key/.test(e.message),
    );
    await assert.rejects(
      start({ tlsCert: server.cert, tlsKey: server.key, requireClientCert: true }),
      /--require-client-cert needs --tls-ca/,
    );
  });
});
