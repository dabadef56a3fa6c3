import { resolve } from 'node:path';
import { Command } from 'commander';
import { buildClusterTools } from './cluster-tools.js';
import { controllerEnv, installNasmesh } from './install-nasmesh.js';
import { LocalCluster } from './local-cluster.js';

/** `make cluster-tools|cluster-up|cluster-down`: the local cluster for contributors (tools/local-cluster/README.md). */
const program = new Command('local-cluster').description('a real Kubernetes control plane with fake GPU nodes on this machine');
program
  .command('build-tools')
  .description('build the cluster binaries from the Go tools modules (cached by version)')
  .action(() => buildClusterTools());
program
  .command('up')
  .option('--dir <dir>', 'the cluster folder', '.cluster')
  .option('--bare', 'only the cluster, without nasmesh installed')
  .action(async (o: { dir: string; bare?: boolean }) => {
    const log = (line: string) => console.log(line);
    const cluster = await LocalCluster.start({ dir: resolve(o.dir), log });
    const controller = o.bare ? undefined : await installNasmesh(cluster, log);
    const env = { KUBECONFIG: cluster.kubeconfig, PATH: `${cluster.binDir}:$PATH`, ...(controller ? controllerEnv(controller) : {}) };
    console.log('ready; to use it from this shell:');
    console.log(
      `export ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  });
program
  .command('down')
  .option('--dir <dir>', 'the cluster folder', '.cluster')
  .action(async (o: { dir: string }) => {
    await LocalCluster.attach(resolve(o.dir)).stop();
    console.log('local cluster stopped');
  });
await program.parseAsync();
