import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { freePort } from '../../tools/local-cluster/network.js';

/**
 * A real Prometheus (Debian's package, which `make deps` installs) scraping a Kubernetes cluster's pods annotated
 * `prometheus.io/scrape: "true"` at their `prometheus.io/port`, as the chart's default (metrics.scrapeAnnotations)
 * expects, every 2 s. Debian builds Prometheus without its Kubernetes service discovery, so the pods are found here,
 * from the API server, and handed over as a file_sd target file that Prometheus watches.
 */
export class Prometheus {
  private readonly discovery: NodeJS.Timeout;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    kc: KubeConfig,
  ) {
    const api = kc.makeApiClient(CoreV1Api);
    const discover = () =>
      api.listPodForAllNamespaces().then(
        ({ items }) => writeTargets(join(dir, 'targets.json'), items),
        () => {},
      );
    void discover();
    this.discovery = setInterval(discover, 1_000);
  }

  static async start(kc: KubeConfig): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'nasmesh-prometheus-'));
    writeTargets(join(dir, 'targets.json'), []);
    const config = {
      global: { scrape_interval: '2s', evaluation_interval: '2s' },
      scrape_configs: [{ job_name: 'kubernetes-pods', file_sd_configs: [{ files: [join(dir, 'targets.json')], refresh_interval: '2s' }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.on('data', (d) => (log = (log + String(d)).slice(-4000)));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (e) => reject(new Error(`prometheus: ${e.message} (make deps installs Debian's prometheus package)`)));
      child.once('exit', (code) => reject(new Error(`prometheus exited (${code}):\n${log}`)));
    });
    const prometheus = new Prometheus(child, dir, `http://127.0.0.1:${port}`, kc);
    try {
      await Promise.race([prometheus.ready(), failed]);
    } catch (e) {
      await prometheus.stop();
      throw e;
    }
    // It exits when stopped: not a failure any more.
    failed.catch(() => {});
    return prometheus;
  }

  private async ready(): Promise<void> {
    while (this.child.exitCode === null) {
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
  }

  /** The series a PromQL range query returns over [start, end] (what a dashboard panel would draw). */
  async queryRange(
    expr: string,
    start: Date,
    end: Date,
    stepSeconds = 5,
  ): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const params = new URLSearchParams({
      query: expr,
      start: String(start.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: String(stepSeconds),
    });
    const response = await fetch(`${this.url}/api/v1/query_range?${params}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  }

  /** The scrape targets Prometheus found, with their health. */
  async targets(): Promise<{ labels: Record<string, string>; health: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: Record<string, string>; health: string }[] };
    };
    return body.data.activeTargets;
  }

  async stop(): Promise<void> {
    clearInterval(this.discovery);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await new Promise((r) => this.child.once('exit', r));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The annotated, running pods as file_sd targets, labelled with their namespace and name. */
function writeTargets(file: string, pods: readonly V1Pod[]): void {
  const targets = pods
    .filter((p) => p.metadata?.annotations?.['prometheus.io/scrape'] === 'true' && p.status?.phase === 'Running' && p.status.podIP)
    .map((p) => ({
      targets: [`${p.status!.podIP}:${p.metadata!.annotations!['prometheus.io/port']}`],
      labels: { namespace: p.metadata!.namespace!, pod: p.metadata!.name! },
    }));
  writeFileSync(`${file}.tmp`, JSON.stringify(targets));
  renameSync(`${file}.tmp`, file);
}
