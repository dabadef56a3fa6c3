import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ONNX_OPSET } from '../src/export/onnx-graph.js';
import { resultsOnnxModel } from '../src/export/results-onnx.js';
import { initBackend } from '../src/tf/backend.js';
import { writeAtomic } from '../src/util/write-atomic.js';

/** `nasmesh export <results-dir> --format onnx`: a results directory's retrained network in another format. */
export function exportCommand(): Command {
  return new Command('export')
    .description("write a results directory's retrained network as an ONNX model (the final stage writes one too)")
    .argument('<results-dir>', 'results directory of nasmesh run, or one that nasmesh results downloaded')
    .addOption(new Option('--format <format>', 'model format').choices(['onnx']).makeOptionMandatory())
    .option('--out <file>', 'model file (default <results-dir>/model/model.onnx)')
    .action(async (dir: string, opts: { out?: string }) => {
      // Reading weights and writing a file: the plain JavaScript backend does it anywhere.
      await initBackend('cpu');
      const out = opts.out ?? join(dir, 'model', 'model.onnx');
      const bytes = await resultsOnnxModel(dir);
      await writeAtomic(out, bytes);
      console.log(`onnx: ${out} (${bytes.length} bytes, opset ${ONNX_OPSET}; input images N x H x W x C, output logits)`);
    });
}
