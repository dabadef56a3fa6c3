import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

/** promtool (Debian's prometheus package, which `make deps` installs) on the rules and their unit tests. */
function promtool(...args: string[]): string {
  const run = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool: ${run.error.message} (make deps installs Debian's prometheus package)`);
  assert.equal(run.status, 0, `promtool ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

describe('Prometheus rules (deploy/prometheus)', () => {
  it('pass promtool check rules', () => {
    assert.match(promtool('check', 'rules', 'nasmesh.rules.yaml'), /SUCCESS: 9 rules found/);
  });

  it('pass their unit tests (promtool test rules)', () => {
    assert.match(promtool('test', 'rules', 'nasmesh.rules.test.yaml'), /SUCCESS/);
  });
});
