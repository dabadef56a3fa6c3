import { readFileSync, statSync } from 'node:fs';
import { NasmeshError } from '../../../src/util/errors.js';

/**
 * A small configuration file (an access file, a token) parsed, and parsed again when it changes: Kubernetes updates a
 * mounted Secret in place, and a rotated token or a revoked reader takes effect without a restart. A change that
 * does not parse is logged and the previous content kept.
 */
export class WatchedFile<T> {
  private value: T;
  private stamp: string;
  private readonly timer: NodeJS.Timeout;

  /** Reads and parses `path` now: `parse` throws for content it refuses, and the caller's start-up fails with it. */
  constructor(
    readonly path: string,
    private readonly parse: (text: string) => T,
    reloadMs: number,
    private readonly log: (line: string) => void,
  ) {
    try {
      this.stamp = stampOf(path);
      this.value = parse(readFileSync(path, 'utf8'));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
      throw new NasmeshError(`${path}: cannot use it (${why})`);
    }
    this.timer = setInterval(() => this.reloadIfChanged(), reloadMs).unref();
  }

  get current(): T {
    return this.value;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reloadIfChanged(): void {
    try {
      const stamp = stampOf(this.path);
      if (stamp === this.stamp) return;
      // Taken as seen before parsing: a change that cannot be used is reported once, not at every look.
      this.stamp = stamp;
      this.value = this.parse(readFileSync(this.path, 'utf8'));
      this.log(`reloaded ${this.path}`);
    } catch (e) {
      this.log(`${this.path} changed but cannot be used (${e instanceof Error ? e.message : String(e)}); keeping its previous content`);
    }
  }
}

/** What changes when the file is replaced or written (a Secret's update swaps a symbolic link: stat follows it). */
export function stampOf(path: string): string {
  const s = statSync(path);
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}
