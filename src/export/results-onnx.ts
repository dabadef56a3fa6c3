import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSpace } from '../space/registry.js';
import { loadSearchSpec } from '../spec/load.js';
import { loadModel } from '../train/export.js';
import { networkSpec } from '../train/spec.js';
import { NasmeshError } from '../util/errors.js';
import { onnxModelBytes } from './onnx-export.js';

/**
 * The retrained network of a results directory (`nasmesh run`'s, or one `nasmesh results` downloaded) as an ONNX
 * model: its architecture (best-architecture.json) placed in the final stage's network (search.json) for the images
 * and classes of its tfjs model (model/), whose trained weights it takes.
 */
export async function resultsOnnxModel(dir: string): Promise<Uint8Array> {
  for (const file of ['search.json', 'best-architecture.json', 'model/model.json']) {
    if (!existsSync(join(dir, file))) {
      throw new NasmeshError(`${join(dir, file)}: not found (a results directory of a search whose final stage has finished has it)`);
    }
  }
  const { spec } = loadSearchSpec(join(dir, 'search.json'));
  const space = createSpace(spec.space);
  const arch = space.fromJSON(readJson(join(dir, 'best-architecture.json')));
  const model = await loadModel(join(dir, 'model'));
  try {
    const [, height, width, channels] = model.inputs[0]!.shape;
    const classes = model.outputs[0]!.shape[1];
    const network = { inputShape: [height!, width!, channels!] as const, classes: classes!, ...(spec.final?.network ?? spec.network) };
    return onnxModelBytes(networkSpec(space, arch, network), model);
  } finally {
    model.dispose();
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NasmeshError(`${path}: not JSON (${(e as Error).message})`);
  }
}
