import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { Controller } from '../../../services/common/grpc/controller-client.js';
import { DEFAULT_DOWNLOAD_LIMITS, UnsafeDownloadError, writeResultFiles } from '../../../cli/result-download.js';
import { type RunningGrpcServer, startGrpcServer } from '../../../services/common/grpc/server.js';
import { serverStreaming, writeMessage } from '../../../services/common/grpc/server-streaming.js';
import { ControllerService, type DownloadResultsRequest, type ResultFileChunk } from '../../../services/gen/nasmesh/v1/controller.js';
import { nasmesh } from '../../mesh/mesh.js';

const MiB = 1024 * 1024;
const chunk = (path: string, data: Buffer | string, size = Buffer.byteLength(data), offset = 0): ResultFileChunk => ({
  path,
  size,
  offset,
  data: Buffer.from(data),
});

/** What the hostile controller sends for each search id: a valid file, then the trouble. */
const ANSWERS: Record<string, ResultFileChunk[]> = {
  absolute: [chunk('summary.json', '{}'), chunk('/tmp/nasmesh-owned', 'x')],
  parent: [chunk('../escaped', 'x')],
  'parent-inside': [chunk('model/../../escaped', 'x')],
  dot: [chunk('./summary.json', 'x')],
  hidden: [chunk('.bashrc', 'x')],
  backslash: [chunk('..\\escaped', 'x')],
  empty: [chunk('', 'x')],
  huge: [chunk('model/weights.bin', 'x', 2 * 1024 * MiB)],
  longer: [chunk('summary.json', 'abc', 2), chunk('summary.json', 'd', 2, 3)],
  shorter: [chunk('summary.json', 'ab', 4)],
  twice: [chunk('a.json', '1'), chunk('b.json', '2'), chunk('a.json', '3')],
  gap: [chunk('weights.bin', 'ab', 4), chunk('weights.bin', 'cd', 4, 3)],
  resized: [chunk('weights.bin', 'ab', 4), chunk('weights.bin', 'cd', 5, 2)],
  'big-chunk': [chunk('weights.bin', Buffer.alloc(MiB + 1))],
  fine: [
    chunk('candidates.jsonl', '{"index":0}\n'),
    chunk('model/weights.bin', 'ab', 4),
    chunk('model/weights.bin', 'cd', 4, 2),
    chunk('empty', ''),
  ],
};

/**
 * `nasmesh results` trusts nothing the controller sends: a controller is a network peer. A hostile one (a real gRPC
 * server on 127.0.0.1 answering DownloadResults with what a broken or malicious controller could send) gets every
 * path outside the directory, every size beyond what it declared or the limits, refused, and no file is left half
 * written.
 */
describe('nasmesh results against a hostile controller', () => {
  let server: RunningGrpcServer;
  let client: Controller;
  let root: string;
  let address: string;

  before(async () => {
    const implementation = {
      downloadResults: serverStreaming<DownloadResultsRequest, ResultFileChunk>(async (call, { signal }) => {
        for (const c of ANSWERS[call.request.searchId] ?? []) await writeMessage(call, c, signal);
      }),
    } as unknown as UntypedServiceImplementation;
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [{ definition: ControllerService, implementation }] });
    address = `127.0.0.1:${server.port}`;
    client = new Controller(address);
    root = mkdtempSync(join(tmpdir(), 'nasmesh-hostile-'));
  });
  after(async () => {
    client.close();
    await server.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  let downloads = 0;
  /** Downloads `id` into a directory of its own under `root`; returns the directory. */
  const download = async (id: string, limits = DEFAULT_DOWNLOAD_LIMITS) => {
    const parent = join(root, `${id}-${++downloads}`);
    mkdirSync(parent);
    const out = join(parent, 'out');
    return { parent, out, written: writeResultFiles(client.downloadResults(id), out, limits) };
  };

  for (const id of ['absolute', 'parent', 'parent-inside', 'dot', 'hidden', 'backslash', 'empty']) {
    it(`refuses a path that is not a plain relative path (${id})`, async () => {
      const { parent, out, written } = await download(id);
      await assert.rejects(
        written,
        (e: Error) => e instanceof UnsafeDownloadError && /^refused the path ".*": not a relative path/.test(e.message),
      );
      assert.deepEqual(readdirSync(parent), ['out'], 'nothing beside the directory');
      if (id === 'absolute') assert.deepEqual(readdirSync(out), ['summary.json'], 'the valid file before it is kept');
      assert.ok(!existsSync('/tmp/nasmesh-owned'));
    });
  }

  const refusals: [string, RegExp][] = [
    ['huge', /the files exceed the limit of 1073741824 bytes \(at model\/weights\.bin\)/],
    ['longer', /summary\.json: more than its 2 bytes/],
    ['shorter', /summary\.json: the controller sent 2 of its 4 bytes/],
    ['twice', /a\.json: sent twice/],
    ['gap', /weights\.bin: a chunk at 3 where 2 was due/],
    ['resized', /weights\.bin: its size changed from 4 to 5/],
    ['big-chunk', /weights\.bin: a chunk of 1048577 bytes, over 1048576/],
  ];
  for (const [id, why] of refusals) {
    it(`refuses what breaks the stream's own account or the limits (${id}), leaving no partial file`, async () => {
      const { out, written } = await download(id);
      await assert.rejects(written, (e: Error) => e instanceof UnsafeDownloadError && why.test(e.message));
      const left = readdirSync(out, { recursive: true }) as string[];
      assert.ok(
        left.every((f) => ['a.json', 'b.json'].includes(f)),
        `only complete files remain: ${left.join(', ')}`,
      );
    });
  }

  it('bounds the number of files', async () => {
    const { written } = await download('fine', { ...DEFAULT_DOWNLOAD_LIMITS, maxFiles: 2 });
    await assert.rejects(written, /more than 2 files/);
  });

  it('writes what a sound stream sends, each file complete', async () => {
    const { out, written } = await download('fine');
    assert.deepEqual(await written, [
      { path: 'candidates.jsonl', bytes: 12 },
      { path: 'model/weights.bin', bytes: 4 },
      { path: 'empty', bytes: 0 },
    ]);
    assert.equal(readFileSync(join(out, 'model', 'weights.bin'), 'utf8'), 'abcd');
    assert.deepEqual((readdirSync(out, { recursive: true }) as string[]).sort(), [
      'candidates.jsonl',
      'empty',
      'model',
      'model/weights.bin',
    ]);
  });

  it('exits with code 2 and says why, as a command', async () => {
    const out = join(root, 'command', 'out');
    const result = await nasmesh('results', 'parent', '--out', out, '--controller', address);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^nasmesh: refused the path "\.\.\/escaped": not a relative path/);
    assert.deepEqual(readdirSync(join(root, 'command')), ['out']);
  });
});
