import { closeSync, fstatSync, renameSync, writeSync } from 'node:fs';
import { openPrivateAppend } from '../engine/home-files.js';

/** daemon.log's cap: past it the file becomes daemon.log.1 (replacing the older one) and a new one starts. */
export const DAEMON_LOG_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The detached daemon's own log (daemon.log), which it opens and rotates itself: at most about twice the
 * cap on disk (daemon.log + daemon.log.1). Opened without following links, a planted entry replaced
 * (home-files.ts); the daemon writes through its own descriptor, so a file swapped in under it later is
 * never written to, and the next rotation moves whatever is at the name aside (a rename never follows).
 */
export class DaemonLog {
  private fd: number;
  private size: number;
  /** What opening the file had to say (a planted entry replaced): written once the file is open. */
  private readonly pending: string[] = [];

  constructor(
    private readonly path: string,
    private readonly maxBytes = DAEMON_LOG_MAX_BYTES,
  ) {
    this.fd = openPrivateAppend(path, (m) => this.pending.push(m));
    this.size = fstatSync(this.fd).size;
    for (const m of this.pending.splice(0)) this.line(`${new Date().toISOString()} ${m}`);
  }

  /** Appends one line, rotating first if it would pass the cap. Never throws (a log that cannot be written is dropped). */
  line(text: string): void {
    const bytes = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
    try {
      if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
      writeSync(this.fd, bytes);
      this.size += bytes.length;
    } catch {
      /* full disk: the line is lost, the daemon goes on */
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted by hand: start a new one
    }
    const fresh = openPrivateAppend(this.path, () => {});
    closeSync(this.fd);
    this.fd = fresh;
    this.size = fstatSync(fresh).size;
  }
}
