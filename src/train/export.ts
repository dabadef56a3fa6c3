import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf/backend.js';
import { writeAtomic } from '../util/write-atomic.js';

/**
 * Writes a model as `model.json` + `weights.bin`, the layout `tf.loadLayersModel('file://.../model.json')` reads in
 * tfjs-node. The plain tfjs package has no file:// handler in Node, so we write the artifacts ourselves.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const manifest = {
        format: 'layers-model',
        generatedBy: 'nasmesh',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeAtomic(join(dir, 'weights.bin'), weights);
      await writeAtomic(join(dir, 'model.json'), JSON.stringify(manifest));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    }),
  );
}

/** Loads a model written by saveModel (or by tfjs-node's file:// handler). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = manifest.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const weightData = Buffer.concat(buffers);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest.flatMap((group) => group.weights),
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    }),
  );
}
