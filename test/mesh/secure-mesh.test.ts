import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { CandidateRecord } from '../../src/search/types.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { initBackend } from '../../src/tf/backend.js';
import { Controller } from '../../services/common/grpc/controller-client.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { BLOB_BUCKET } from '../../services/common/nats/subjects.js';
import { ClientSecurity } from '../../services/common/security/client-security.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { TestPki } from '../support/pki.js';
import { type SecureNatsSetup, secureNats } from '../support/secure-nats.js';
import {
  benchmarkSearch,
  embeddedCandidates,
  evaluatedAtLeast,
  evaluatedEventCounts,
  outcome,
  renamed,
  type ServiceProcess,
  MeshProcesses,
  waitForPhase,
  watchedCandidates,
  type ServiceHooks,
} from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

const CANDIDATES = 20;
const WRITER_TOKEN = 'mesh-writer-token-0123456789';
const READER_TOKEN = 'mesh-reader-token-0123456789';

/**
 * The mesh as it runs securely: a nats-server with TLS, client certificates and a password; the controller and the
 * evaluators serving gRPC over TLS, the controller checking bearer tokens against an access file (writer and reader);
 * tables read from a data root only. The search must still give exactly the embedded run's candidates, and every
 * refusal of issue 12 must hold end to end.
 */
describe(
  'secure mesh: TLS, credentials, roles, data roots, atomic creation, corrupt state',
  { skip: skipWithoutNatsServer, timeout: 900_000 },
  () => {
    let pki: TestPki;
    let natsSetup: SecureNatsSetup;
    let nats: NatsServer;
    let dataDir: string;
    let outsideDir: string;
    let search: SearchSpec;
    let expected: CandidateRecord[];
    let serviceFlags: string[];
    const mesh = new MeshProcesses(() => nats.url);
    const clients: { close(): void }[] = [];

    const tokenFile = (token: string) => {
      const file = join(pki.dir, `token-${token.slice(5, 11)}`);
      writeFileSync(file, token);
      return file;
    };
    /** A Controller client over TLS sending `token` (none: no credential). */
    const client = (controller: ServiceProcess, token?: string) => {
      const security = ClientSecurity.from({ tlsCa: pki.ca, ...(token ? { tokenFile: tokenFile(token) } : {}) });
      const c = new Controller(controller.address, security);
      clients.push(c, security);
      return c;
    };
    const startController = (extra: string[] = []) =>
      mesh.start('controller', [...serviceFlags, '--access-file', join(pki.dir, 'access.yaml'), ...extra]);
    const startEvaluator = (extra: string[] = [], hooks: ServiceHooks = {}) => mesh.start('evaluator', [...serviceFlags, ...extra], hooks);
    const statusOf = (code: status, details?: RegExp) => (e: ServiceError) => {
      assert.equal(e.code, code, e.details);
      if (details) assert.match(e.details, details);
      return true;
    };

    before(async () => {
      await initBackend();
      pki = TestPki.create();
      natsSetup = secureNats(pki);
      nats = await NatsServer.start(natsSetup.secured);
      dataDir = mkdtempSync(join(tmpdir(), 'nasmesh-data-root-'));
      outsideDir = mkdtempSync(join(tmpdir(), 'nasmesh-outside-'));
      writeSyntheticNb201Table(dataDir);
      writeFileSync(join(outsideDir, 'secret.csv'), 'root:x:0:0:the-secret-line\n');
      symlinkSync(join(outsideDir, 'secret.csv'), join(dataDir, 'leak.csv'));
      writeFileSync(join(dataDir, 'notes.txt'), 'the-secret-line inside the root\n');
      const service = pki.issue('nasmesh-service');
      writeFileSync(
        join(pki.dir, 'access.yaml'),
        `tokens:\n  - {name: admin, role: writer, token: ${WRITER_TOKEN}}\n  - {name: viewer, role: reader, token: ${READER_TOKEN}}\n`,
      );
      serviceFlags = ['--tls-cert', service.cert, '--tls-key', service.key, '--tls-ca', pki.ca, '--data-root', dataDir, ...natsSetup.flags];
      search = benchmarkSearch('embedded', 'nb201-synthetic.csv', CANDIDATES);
      expected = await embeddedCandidates(benchmarkSearch('embedded', join(dataDir, 'nb201-synthetic.csv'), CANDIDATES));
    });
    after(async () => {
      clients.splice(0).forEach((c) => c.close());
      await mesh.stopAll();
      await nats?.dispose();
      pki?.dispose();
      for (const dir of [dataDir, outsideDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Every candidate of a finished search is the embedded run's, each announced once. */
    const assertSameAsEmbedded = async (c: Controller, id: string) => {
      const done = await waitForPhase(() => c, id, SearchPhase.SUCCEEDED, 300_000);
      assert.equal(done.done, CANDIDATES);
      assert.deepEqual(outcome(await watchedCandidates(c, id)), outcome(expected));
    };

    it("runs a search over TLS with tokens and gives the embedded run's candidates; refuses what it must", async () => {
      const controller = await startController();
      await startEvaluator();
      await startEvaluator();
      const writer = client(controller, WRITER_TOKEN);
      const reader = client(controller, READER_TOKEN);
      // Probes that cannot speak TLS (a kubelet's) ask the metrics port instead.
      assert.equal((await fetch(controller.metricsUrl.replace(/metrics$/, 'readyz'))).status, 200);

      await assert.rejects(client(controller).getSearch('absent'), statusOf(status.UNAUTHENTICATED, /no credentials/));
      await assert.rejects(client(controller, 'wrong-token-0123456789abcdef').listSearches(), statusOf(status.UNAUTHENTICATED));
      const plaintext = new Controller(controller.address);
      clients.push(plaintext);
      await assert.rejects(plaintext.getSearch('absent'), statusOf(status.UNAVAILABLE));
      await assert.rejects(reader.createSearch(renamed(search, 'by-reader')), statusOf(status.PERMISSION_DENIED, /viewer is a reader/));

      // Eight CreateSearch calls of one name at once: exactly one creates and starts the search.
      const racing = await Promise.allSettled(Array.from({ length: 8 }, () => writer.createSearch(renamed(search, 'secure'))));
      assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(racing.map((r) => r.status)));
      for (const r of racing) if (r.status === 'rejected') assert.equal((r.reason as ServiceError).code, status.ALREADY_EXISTS);

      // A reader follows the search: status, watch and results are read-only.
      await assertSameAsEmbedded(reader, 'secure');
      const counts = await evaluatedEventCounts(nats.url, 'secure', natsSetup.secured.client);
      assert.deepEqual([...counts.values()], Array(CANDIDATES).fill(1), 'each candidate evaluated and announced once');
      assert.equal((await reader.listSearches()).length, 1);
    });

    it('refuses paths out of the data root, and never returns a byte of the file they name', async () => {
      const controller = await startController();
      const writer = client(controller, WRITER_TOKEN);
      const traversal = renamed(search, 'traversal');
      traversal.spec = {
        ...traversal.spec,
        evaluation: { mode: 'benchmark', table: '../nasmesh-outside/secret.csv', candidatesPerStep: 1 },
      };
      await assert.rejects(writer.createSearch(traversal), (e: ServiceError) => {
        assert.equal(e.code, status.INVALID_ARGUMENT);
        assert.equal(e.metadata.get('field')[0], 'spec.evaluation.table');
        return true;
      });
      const firstLine = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
      for (const [id, table, why] of [
        ['absolute', '/etc/passwd', /spec\.evaluation\.table: '\/etc\/passwd' is outside the data roots/],
        ['symlinked', 'leak.csv', /spec\.evaluation\.table: 'leak.csv' leaves the data root .* symbolic link/],
        ['not-a-table', 'notes.txt', /spec\.evaluation\.table: .*notes\.txt:1: the header must be 'arch,test_accuracy'/],
      ] as const) {
        const doc = renamed(search, id);
        doc.spec = { ...doc.spec, evaluation: { mode: 'benchmark', table, candidatesPerStep: 1 } };
        await writer.createSearch(doc);
        await assert.rejects(
          waitForPhase(() => writer, id, SearchPhase.SUCCEEDED),
          (e: Error) => {
            assert.match(e.message, /ended FAILED/);
            assert.match(e.message, why);
            assert.ok(!e.message.includes(firstLine) && !e.message.includes('the-secret-line'), e.message);
            return true;
          },
        );
        const stored = await writer.getSearch(id);
        assert.ok(!stored.message.includes(firstLine) && !stored.message.includes('the-secret'), stored.message);
      }
    });

    it('a corrupt checkpoint fails its own search with a message naming the field; another search resumes and succeeds', async () => {
      await mesh.stopAll();
      let controller = await startController(['--checkpoint-interval-ms', '0', '--max-searches', '2']);
      await startEvaluator([], { evaluationDelayMs: 150 });
      let writer = client(controller, WRITER_TOKEN);
      await writer.createSearch(renamed(search, 'doomed'));
      await writer.createSearch(renamed(search, 'survivor'));
      await assert.rejects(writer.createSearch(renamed(search, 'third')), statusOf(status.RESOURCE_EXHAUSTED, /--max-searches/));
      // Paging: one search a page gives them all, in creation order.
      const paged: string[] = [];
      for (let token = '', page = 0; page === 0 || token !== ''; page++) {
        const { searches, nextPageToken } = await writer.listPage(1, token);
        assert.equal(searches.length, 1);
        paged.push(searches[0]!.id);
        token = nextPageToken;
      }
      assert.deepEqual(
        paged,
        (await writer.listSearches()).map((s) => s.id),
      );
      assert.deepEqual(paged.slice(-2), ['doomed', 'survivor']);
      await assert.rejects(writer.listPage(5000, ''), statusOf(status.INVALID_ARGUMENT, /^pageSize: /));
      await evaluatedAtLeast(writer, 'doomed', 3);
      await evaluatedAtLeast(writer, 'survivor', 3);
      await controller.kill('SIGKILL');

      // What another program (or a fault) might leave in the object store: a checkpoint that does not restore.
      const nc = await connectNats({ servers: nats.url, name: 'corrupter', security: natsSetup.secured.client });
      try {
        const os = await nc.jetstream().views.os(BLOB_BUCKET);
        await os.putBlob(
          { name: 'doomed/checkpoint.json' },
          new TextEncoder().encode(JSON.stringify({ observed: 3, strategy: { strategy: 'reinforce', rng: [1, 2] } })),
        );
      } finally {
        await closeNats(nc);
      }
      controller = await startController(['--checkpoint-interval-ms', '0']);
      writer = client(controller, WRITER_TOKEN);
      const doomed = await waitForPhase(() => writer, 'doomed', SearchPhase.FAILED, 120_000);
      assert.match(doomed.message, /^cannot open the stored state: search doomed: its stored checkpoint is unreadable: strategy\.rng/);
      await assertSameAsEmbedded(writer, 'survivor');
    });
  },
);
