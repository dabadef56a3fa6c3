import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { setupTensorflow } from '../../tools/tensorflow/setup.js';
import { TENSORFLOW_VERSION } from '../../tools/tensorflow/variants.js';
import { BINDING_PATCH, patchBinding } from '../../tools/tensorflow/thread-safe-binding.js';

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
  const result = await setupTensorflow({ repo, cache, wheels, log: (l) => lines.push(l) });
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.match(result.reason, new RegExp(`pip download tensorflow-cpu==${TENSORFLOW_VERSION.replace(/\./g, '\\.')} failed`));
  assert.equal(result.reason.includes('\n'), false, 'one line');
  assert.deepEqual(readdirSync(join(repo, 'node_modules')), [], 'nothing installed');
  assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], [], 'no partial download left in the cache');
  assert.ok(
    lines.some((l) => l.includes('pip download')),
    'progress lines name the step',
  );
});

test("the binding patch locks tfjs-node's attribute-name set once, and refuses a source it does not recognise", () => {
  const pkg = join(dir, 'tfjs-node');
  mkdirSync(join(pkg, 'binding'), { recursive: true });
  const source = join(pkg, 'binding', 'tfjs_backend.cc');
  // The lines the patch rewrites, as tfjs-node 4.22's binding has them.
  const original = [
    '#include <set>',
    'static std::set<std::string> ATTR_NAME_SET;',
    'void AssignOpAttr() {',
    '  const char *attr_name =',
    '      ATTR_NAME_SET.insert(attr_name_string.c_str()).first->c_str();',
    '}',
  ].join('\n');
  writeFileSync(source, original);
  patchBinding(pkg);
  const once = readFileSync(source, 'utf8');
  assert.match(once, /#include <mutex>/);
  assert.match(once, /static std::mutex ATTR_NAME_SET_MUTEX;/);
  assert.match(once, /std::lock_guard<std::mutex> lock\(ATTR_NAME_SET_MUTEX\);\n\s+return ATTR_NAME_SET\.insert\(/);
  patchBinding(pkg);
  assert.equal(readFileSync(source, 'utf8'), once, 'patching twice changes nothing');

  writeFileSync(source, '// a binding without the set\n');
  assert.throws(() => patchBinding(pkg), /binding\/tfjs_backend\.cc of @tensorflow\/tfjs-node no longer has the attribute-name set/);
});

test(
  'make deps leaves the installed binding patched',
  { skip: !existsSync(join(REPO, 'node_modules/@tensorflow/tfjs-node/binding')) && 'tfjs-node not installed' },
  () => {
    const source = readFileSync(join(REPO, 'node_modules/@tensorflow/tfjs-node/binding/tfjs_backend.cc'), 'utf8');
    assert.ok(source.includes(`// ${BINDING_PATCH}`), 'make deps patched it');
  },
);
