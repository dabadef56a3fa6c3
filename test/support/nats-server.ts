import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { connect, type ConnectionOptions } from 'nats';

/** The nats-server binary: $NATS_SERVER_BIN, else on PATH or in /usr/sbin (where Debian installs it). */
function findBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const explicit = process.env.NATS_SERVER_BIN;
  const candidates = explicit ? [explicit] : dirs.map((d) => join(d, 'nats-server'));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const NATS_SERVER_BIN = findBinary();

/** For `describe(..., { skip })`: a reason while nats-server is missing, false once installed. */
export const skipWithoutNatsServer: string | false = NATS_SERVER_BIN
  ? false
  : 'nats-server is not installed (`make deps` installs the Debian package)';

/** A nats-server secured by a configuration file, and what a client needs to get in. */
export interface SecuredNats {
  /** nats-server configuration text: `tls { ... }`, `authorization { ... }`. */
  readonly config: string;
  /** TLS and credential of the readiness check (and of any test client). */
  readonly client: Partial<ConnectionOptions>;
}

/**
 * A real nats-server with JetStream on 127.0.0.1, its store in a temporary directory. `restart()` brings it back on
 * the same port and store, as a crashed or upgraded server comes back.
 */
export class NatsServer {
  private process?: ChildProcess;
  /** A test process that dies without dispose() must not leave its server running. */
  private readonly killOnExit = () => this.process?.kill('SIGKILL');

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly secured?: SecuredNats,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The running server's process id (a new one after each restart). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** With `secured`, the server runs with that configuration (TLS, authorization). */
  static async start(secured?: SecuredNats): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'nasmesh-nats-')), secured);
    await server.launch();
    return server;
  }

  /** SIGTERM shuts down cleanly; SIGKILL is a crash (what the OS had of the store survives). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    process.off('exit', this.killOnExit);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['-js', '-sd', this.storeDir, '-a', '127.0.0.1', '-p', String(this.port)];
    if (this.secured) {
      const config = join(this.storeDir, 'nats-server.conf');
      writeFileSync(config, this.secured.config);
      args.push('-c', config);
    }
    const child = spawn(NATS_SERVER_BIN ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    this.process = child;
    process.once('exit', this.killOnExit);
    const deadline = Date.now() + 15_000;
    while (!(await jetStreamReady(this.url, this.secured?.client))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nats-server on port ${this.port} did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** JetStream answers API requests only once it has recovered its store, a while after the port opens. */
async function jetStreamReady(url: string, options: Partial<ConnectionOptions> = {}): Promise<boolean> {
  try {
    const nc = await connect({ ...options, servers: url, reconnect: false, timeout: 1_000 });
    try {
      await nc.jetstreamManager({ timeout: 1_000 });
      return true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** A port nothing listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
