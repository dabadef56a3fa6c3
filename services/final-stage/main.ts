import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { LineProgress } from '../../src/cli/progress/line-progress.js';
import { NasmeshError } from '../../src/util/errors.js';
import { addFinalOptions, type FinalOptions } from '../cli/final-command.js';
import { dataRoots } from '../cli/service-security.js';
import { natsSecurity } from '../common/security/nats-security.js';
import { closeNats, connectNats, NatsSearchStore } from '../common/nats/index.js';
import { runFinalStageJob } from './final-stage-job.js';

/**
 * `nasmesh final <search-id>`: the final stage of a succeeded search, run as a process of its own (a Kubernetes Job
 * once the search succeeded), its result files stored in the mesh's store for `nasmesh results`. Logs a line per
 * step and training epoch, and progress lines with ETAs (no redrawn bars: it runs in a pod).
 */
export async function runFinal(id: string, options: FinalOptions): Promise<void> {
  const security = await natsSecurity(options.nats, options, (line) => console.error(line));
  const roots = await dataRoots(options);
  const nc = await connectNats({ servers: options.nats, name: `final-stage-${process.pid}`, security });
  try {
    const log = (line: string) => console.log(line);
    const progress = new LineProgress(process.stdout);
    const summary = await runFinalStageJob(await NatsSearchStore.open(nc), id, {
      ...(options.backend ? { backend: options.backend } : {}),
      roots,
      log,
      onProgress: (p) => progress.update(p),
    });
    const show = (label: string, r: { testAccuracy: number; params: number } | null | undefined) =>
      r && log(`${label}: test accuracy ${(r.testAccuracy * 100).toFixed(2)} %, ${r.params} params`);
    show('best, retrained', summary?.best);
    show('baseline', summary?.baseline);
    log(`search ${id}: results complete`);
  } finally {
    await closeNats(nc);
  }
}

// Run directly (`node services/final-stage/main.ts <search-id>`): the arguments of `nasmesh final`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = addFinalOptions(new Command('final')).action(runFinal);
  try {
    await program.parseAsync();
  } catch (e) {
    if (!(e instanceof NasmeshError)) throw e;
    console.error(`final: ${e.message}`);
    process.exit(2);
  }
}
