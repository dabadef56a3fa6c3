import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The local cluster's binaries, built from the Go tools modules under tools/ (test tooling only: the product is
 * TypeScript). Each tool is cached outside the work tree in a folder named by its version, so only a machine's first
 * build pays; `NASMESH_CLUSTER_TOOLS` moves the cache.
 */

const TOOLS_DIR = fileURLToPath(new URL('../', import.meta.url));

interface ToolModule {
  /** Folder under tools/ holding the pinned go.mod and go.sum. */
  readonly dir: string;
  /** The module whose version names the cache folder. */
  readonly module: string;
  readonly packages: readonly string[];
  /** The binary's name when it is not the package's last path element (etcd's is `v3`). */
  readonly binary?: string;
  /** -X flags stamping the version, given it. */
  readonly stamp?: (version: string) => string[];
  /** Files copied from the module's source into the cache folder, as [from, to]. */
  readonly copy?: readonly (readonly [string, string])[];
}

/** Without the stamp, /version answers v0.0.0-master and clients (kubectl, Helm's kubeVersion checks) misjudge it. */
const kubernetesStamp = (version: string) => {
  const [major, minor] = version.slice(1).split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
};

const TOOLS = {
  kubernetes: {
    dir: 'kubernetes',
    module: 'k8s.io/kubernetes',
    packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((c) => `k8s.io/kubernetes/cmd/${c}`),
    stamp: kubernetesStamp,
  },
  etcd: { dir: 'etcd', module: 'go.etcd.io/etcd/server/v3', packages: ['go.etcd.io/etcd/server/v3'], binary: 'etcd' },
  kwok: {
    dir: 'kwok',
    module: 'sigs.k8s.io/kwok',
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
    // KWOK exits without stage configs; the node lifecycles ship in its module (the pod ones are ours: kwok-stages.ts).
    copy: [
      ['kustomize/stage/node/fast/node-initialize.yaml', 'stages/node-initialize.yaml'],
      ['kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'stages/node-heartbeat-with-lease.yaml'],
    ],
  },
  helm: {
    dir: 'helm',
    module: 'helm.sh/helm/v3',
    packages: ['helm.sh/helm/v3/cmd/helm'],
    stamp: (version: string) => [`-X helm.sh/helm/v3/internal/version.version=${version}`],
  },
} as const satisfies Record<string, ToolModule>;

export type ToolName = keyof typeof TOOLS;

/** Where the built binaries are cached. */
export function toolsCache(): string {
  return process.env.NASMESH_CLUSTER_TOOLS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nasmesh', 'cluster-tools');
}

/** The version of `module` that tools/<dir>/go.mod pins. */
export function pinnedVersion(name: ToolName): string {
  const { dir, module } = TOOLS[name];
  const goMod = readFileSync(join(TOOLS_DIR, dir, 'go.mod'), 'utf8');
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const version = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod)?.[1];
  if (!version) throw new Error(`tools/${dir}/go.mod does not require ${module}`);
  return version;
}

/** The cache folder of a tool at its pinned version. */
export function toolDir(name: ToolName): string {
  return join(toolsCache(), `${name}-${pinnedVersion(name)}`);
}

/** Paths of every binary and config the local cluster runs; throws, saying how to build them, when one is missing. */
export function clusterBinaries() {
  const k8s = toolDir('kubernetes');
  const paths = {
    etcd: join(toolDir('etcd'), 'etcd'),
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    kwok: join(toolDir('kwok'), 'kwok'),
    helm: join(toolDir('helm'), 'helm'),
    kwokStages: join(toolDir('kwok'), 'stages'),
  };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`local cluster tools not built (missing ${missing.join(', ')}); run \`make cluster-tools\``);
  }
  return paths;
}

export type ClusterBinaries = ReturnType<typeof clusterBinaries>;

/**
 * Builds every tool not yet in the cache. A tool is built into a temporary folder and renamed into place, so an
 * interrupted build is never taken for a finished one.
 */
export async function buildClusterTools(log: (line: string) => void = console.log): Promise<void> {
  for (const name of Object.keys(TOOLS) as ToolName[]) {
    const target = toolDir(name);
    const version = pinnedVersion(name);
    if (existsSync(target)) {
      log(`${name} ${version}: cached in ${target}`);
      continue;
    }
    const started = performance.now();
    const tool: ToolModule = TOOLS[name];
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const cwd = join(TOOLS_DIR, tool.dir);
    log(`${name} ${version}: not in the cache; downloading its modules and building it (a first build takes minutes)`);
    // Listing the packages to build fetches every module first, and gives the count the progress lines measure against.
    const total = (await go(['list', '-deps', ...tool.packages], cwd)).split('\n').filter(Boolean).length;
    const ldflags = ['-s', '-w', ...(tool.stamp?.(version) ?? [])].join(' ');
    const progress = buildProgress(`${name} ${version}`, total, log);
    try {
      // -v names each package as it is compiled (on stderr): the progress.
      await go(
        ['build', '-v', '-trimpath', '-ldflags', ldflags, '-o', join(partial, tool.binary ?? ''), ...tool.packages],
        cwd,
        progress.compiled,
      );
    } finally {
      progress.stop();
    }
    if (tool.copy) {
      const source = (await go(['list', '-m', '-f', '{{.Dir}}', tool.module], cwd)).trim();
      for (const [from, to] of tool.copy) cpSync(join(source, from), join(partial, to));
    }
    renameSync(partial, target);
    log(`${name} ${version}: built in ${((performance.now() - started) / 1000).toFixed(0)} s into ${target}`);
  }
}

/**
 * A line every 15 s while a tool builds (never a redrawn bar: this runs in CI logs): packages compiled of those it
 * needs, and the time left at the rate so far. Packages cached by an earlier build are not compiled again, so a
 * warm build ends early.
 */
function buildProgress(what: string, total: number, log: (line: string) => void) {
  const started = performance.now();
  let compiled = 0;
  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const left = compiled > 0 ? `, about ${Math.round((elapsed * (total - compiled)) / compiled)} s left` : '';
    log(`${what}: ${compiled}/${total} packages compiled in ${Math.round(elapsed)} s${left}`);
  }, 15_000);
  return {
    compiled: (line: string) => {
      if (line.trim() !== '') compiled++;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Runs the go command with the machine's own toolchain (never a downloaded one); resolves with its stdout. `onLine`
 * gets each line it writes to stderr.
 */
function go(args: string[], cwd: string, onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err = (err + String(d)).slice(-20_000)));
    if (onLine) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (e) => reject(new Error(`go ${args[0]} in ${cwd}: ${e.message} (is Go installed?)`)));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`go ${args.join(' ')} in ${cwd} failed (${code}):\n${err}`)),
    );
  });
}
