import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/**
 * A job's log: opened for append so the command's stdout and stderr can write straight into it (no output
 * passes through the worker), and kept under a byte cap by trimming at intervals and once at the end.
 */
export class CappedLog {
  readonly fd: number;
  private truncated = false;
  private readonly marker: string;

  /** `limit` names what sets the cap, for the note (the on_finish hook's log has a fixed one). */
  constructor(
    path: string,
    private readonly maxBytes: number,
    limit = 'log_max_bytes',
  ) {
    // A link planted where the log goes is refused (ELOOP), never written through.
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    this.marker = `\n[queuectl: log truncated at ${maxBytes} bytes (${limit}); further output discarded]\n`;
  }

  /** The file's size now (0 if it cannot be told). */
  size(): number {
    try {
      return fstatSync(this.fd).size;
    } catch {
      return 0;
    }
  }

  /** Writes a line of queuectl's own (e.g. the header of a retry); a full disk only loses the line. */
  note(text: string): void {
    ignoreIoError(() => writeSync(this.fd, text));
  }

  /** True when nothing is in the log yet (a new job, or one `job.retry` emptied); false if that cannot be told. */
  isEmpty(): boolean {
    try {
      return fstatSync(this.fd).size === 0;
    } catch {
      return false;
    }
  }

  /**
   * Appends output that came through a pipe (`--keep-children` runs): what fits under the cap, then the note
   * once; later output is dropped without touching the file.
   */
  write(chunk: Uint8Array): void {
    if (this.truncated) return;
    ignoreIoError(() => {
      const room = Math.max(0, this.maxBytes - fstatSync(this.fd).size);
      if (chunk.length <= room) {
        writeSync(this.fd, chunk);
        return;
      }
      if (room > 0) writeSync(this.fd, chunk.subarray(0, room));
      writeSync(this.fd, this.marker);
      this.truncated = true;
    });
  }

  /** Cuts the file back to the cap, followed by a one-line note, once output went past it. */
  enforceCap(): void {
    ignoreIoError(() => {
      const { size } = fstatSync(this.fd);
      if (size <= this.maxBytes + (this.truncated ? this.marker.length : 0)) return;
      ftruncateSync(this.fd, this.maxBytes);
      writeSync(this.fd, this.marker);
      this.truncated = true;
    });
  }

  close(): void {
    this.enforceCap();
    ignoreIoError(() => closeSync(this.fd));
  }
}

/** The log is best effort once open: a full disk (ENOSPC) or I/O error must not take the worker down. */
function ignoreIoError(fn: () => void): void {
  try {
    fn();
  } catch {
    /* the run goes on; its output is what the disk could hold */
  }
}
