import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/tf/backend.js';

/**
 * TensorFlow's settings as nasmesh leaves them: oneDNN on unless the user says otherwise. TensorFlow turns oneDNN on by
 * itself only on CPUs with AVX-512's neural-network extensions or AMX, and without it trains about half as fast on an
 * AVX2 CPU. What shows whether it is on: TensorFlow's own CPU depthwise kernel refuses dilations, oneDNN's takes them.
 * TensorFlow reads the setting once, when libtensorflow loads, so each case is a fresh process.
 */

const native = await initBackend('tensorflow')
  .then(() => true as const)
  .catch((err: unknown) => (err as Error).message);
const skip = native === true ? false : `native TensorFlow backend not available (${native}); \`make deps\` builds it`;

const backendModule = new URL('../../src/tf/backend.ts', import.meta.url).href;
const script = `
const { initBackend, tf } = await import(${JSON.stringify(backendModule)});
await initBackend('tensorflow');
try {
  tf.depthwiseConv2d(tf.ones([1, 8, 8, 2]), tf.ones([3, 3, 2, 1]), 1, 'same', 'NHWC', 2).dataSync();
  console.log('dilated');
} catch (err) {
  console.log(String(err.message).replace(/\\s+/g, ' '));
}`;

/** Runs the script in a fresh process with TF_ENABLE_ONEDNN_OPTS unset or set to `value`; returns its last line. */
function dilatedDepthwise(value: string | undefined): string {
  const env = { ...process.env };
  delete env.TF_ENABLE_ONEDNN_OPTS;
  if (value !== undefined) env.TF_ENABLE_ONEDNN_OPTS = value;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim().split('\n').at(-1) ?? '';
}

describe('TensorFlow settings', { skip }, () => {
  it('turns oneDNN on where the user has not set TF_ENABLE_ONEDNN_OPTS', () => {
    assert.equal(dilatedDepthwise(undefined), 'dilated');
  });

  it("keeps the user's TF_ENABLE_ONEDNN_OPTS=0", () => {
    assert.match(dilatedDepthwise('0'), /does not support dilations/);
  });
});
