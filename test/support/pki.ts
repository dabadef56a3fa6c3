import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM files. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
}

/**
 * A throw-away certificate authority for tests, made with the openssl command line (the Debian package `make deps`
 * installs): certificates are generated at run time, none is committed. Every leaf is good for server and client
 * use, with its name as subject CN and the subject alternative names given (default: 127.0.0.1 and localhost).
 */
export class TestPki {
  readonly ca: string;
  private readonly caKey: string;
  private serial = 0;

  private constructor(
    readonly dir: string,
    name: string,
  ) {
    this.ca = join(dir, `${name}.pem`);
    this.caKey = join(dir, `${name}.key`);
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      this.caKey,
      '-out',
      this.ca,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  }

  /** A new CA in its own temporary directory; `dispose` removes it. */
  static create(name = 'nasmesh-test-ca'): TestPki {
    return new TestPki(mkdtempSync(join(tmpdir(), 'nasmesh-pki-')), name);
  }

  /** Issues a certificate for `name` (its CN); written to `<name>-<n>.pem` and `.key` unless `to` names the files. */
  issue(name: string, o: { san?: readonly string[]; to?: Issued } = {}): Issued {
    const n = ++this.serial;
    const out = o.to ?? { cert: join(this.dir, `${name}-${n}.pem`), key: join(this.dir, `${name}-${n}.key`) };
    const csr = join(this.dir, `${name}-${n}.csr`);
    const ext = join(this.dir, `${name}-${n}.ext`);
    const san = (o.san ?? ['IP:127.0.0.1', 'DNS:localhost']).join(',');
    writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
    // Written beside the target and renamed over it, so a watcher never reads half a file.
    const [keyTmp, certTmp] = [`${out.key}.new`, `${out.cert}.new`];
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      keyTmp,
      '-out',
      csr,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      this.ca,
      '-CAkey',
      this.caKey,
      '-set_serial',
      String(Date.now() * 100 + n),
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      certTmp,
    );
    execFileSync('mv', ['-f', keyTmp, out.key]);
    execFileSync('mv', ['-f', certTmp, out.cert]);
    return out;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
