import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf/backend.js';
// The layer classes child networks use beyond tfjs-layers' own register on import, so loadModel finds them.
import './depthwise-conv-layer.js';
import './zero-layer.js';

/**
 * A model's files in the layout `tf.loadLayersModel('file://.../model.json')` reads in tfjs-node: `model.json` (the
 * topology and a weights manifest naming `weights.bin`) and `weights.bin`. The plain tfjs package has no file://
 * handler in Node, so we produce the artifacts ourselves.
 */
export async function modelFiles(model: tf.LayersModel): Promise<{ 'model.json': string; 'weights.bin': Uint8Array }> {
  let files: { 'model.json': string; 'weights.bin': Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const manifest = {
        format: 'layers-model',
        generatedBy: 'nasmesh',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      files = { 'model.json': JSON.stringify(manifest), 'weights.bin': weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    }),
  );
  return files!;
}

/** Loads a model written from modelFiles (or by tfjs-node's file:// handler). */
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
