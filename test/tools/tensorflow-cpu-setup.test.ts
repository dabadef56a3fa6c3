import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { setupTensorflowCpu, TENSORFLOW_CPU_VERSION } from '../../tools/tensorflow-cpu/setup.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-tf-setup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('without the wheel the setup says why in one line and leaves node_modules as npm left it', async () => {
  // A project whose npm install dropped tfjs-node (as it does where libtensorflow's download fails).
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'node_modules'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO, f), join(repo, f));
  const wheels = join(dir, 'no-wheels');
  const cache = join(dir, 'cache');
  mkdirSync(wheels);
  // Only the empty folder may offer wheels (this machine's pip may be configured with a local wheel folder too).
  process.env.PIP_FIND_LINKS = wheels;
  const lines: string[] = [];
  const result = await setupTensorflowCpu({ repo, cache, wheels, log: (l) => lines.push(l) });
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.match(result.reason, new RegExp(`pip download tensorflow-cpu==${TENSORFLOW_CPU_VERSION.replace(/\./g, '\\.')} failed`));
  assert.equal(result.reason.includes('\n'), false, 'one line');
  assert.deepEqual(readdirSync(join(repo, 'node_modules')), [], 'nothing installed');
  assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], [], 'no partial download left in the cache');
  assert.ok(lines.some((l) => l.includes('pip download')), 'progress lines name the step');
});
