import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../../src/tf/backend.js';
import { loadModel } from '../../src/train/export.js';

/**
 * An independent check of a results directory's ONNX model (model/model.onnx) with Python's onnx and onnxruntime
 * (check.py): `node --import tsx tools/onnx-check/main.ts <results-dir> [--python PY]`. PY needs `onnx` (Debian's
 * python3-onnx) and `onnxruntime` (PyPI). Test tooling: the product's own check is test/export/onnx-export.test.ts.
 */
const { positionals, values } = parseArgs({ allowPositionals: true, options: { python: { type: 'string', default: 'python3' } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: tools/onnx-check/main.ts <results-dir> [--python PY]');
await initBackend('cpu');
const model = await loadModel(join(dir, 'model'));
const [, h, w, c] = model.inputs[0]!.shape as number[];
const shape = [8, h!, w!, c!];
const images = tf.randomUniform(shape, 0, 1, 'float32', 5);
const parity = { shape, images: Array.from(images.dataSync()), logits: Array.from((model.predict(images) as tf.Tensor).dataSync()) };
const work = mkdtempSync(join(tmpdir(), 'nasmesh-onnx-check-'));
try {
  writeFileSync(join(work, 'parity.json'), JSON.stringify(parity));
  const script = fileURLToPath(new URL('check.py', import.meta.url));
  execFileSync(values.python, [script, join(dir, 'model', 'model.onnx'), join(work, 'parity.json')], { stdio: 'inherit' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
