import { join } from 'node:path';
import { Command } from 'commander';
import { loadResults, renderReport } from '../src/report/index.js';
import { writeAtomic } from '../src/util/write-atomic.js';

/** `nasmesh report <results-dir>`: a self-contained HTML report of a search's results. */
export function reportCommand(): Command {
  return new Command('report')
    .description('write a self-contained HTML report (plots and summary) of a results directory')
    .argument('<results-dir>', 'results directory written by nasmesh run')
    .option('--out <file>', 'report file (default <results-dir>/report.html)')
    .action(async (dir: string, opts: { out?: string }) => {
      const out = opts.out ?? join(dir, 'report.html');
      await writeAtomic(out, renderReport(loadResults(dir)));
      console.log(`report: ${out}`);
    });
}
