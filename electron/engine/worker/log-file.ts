import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { runHeader, truncationNote } from '../logs/notes.js';
import type { RunRequest } from './messages.js';

/**
 * A job's log: opened for append so the command's stdout and stderr can write straight into it (no output
 * passes through the worker), and kept under a byte cap by trimming at intervals and once at the end.
 *
 * The cap is per section: a run's section begins at `start` (where the log ended when the run was claimed)
 * and may hold `maxBytes`; earlier runs' sections before it are never touched.
 */
export class CappedLog {
  readonly fd: number;
  private truncated = false;
  private readonly marker: string;
  /** The file size past which output is cut: the section's start plus its cap. */
  private readonly end: number;

  /** `limit` names what sets the cap, for the note (the on_finish hook's log has a fixed one). */
  constructor(
    path: string,
    maxBytes: number,
    limit = 'log_max_bytes',
    private readonly start = 0,
  ) {
    // A link planted where the log goes is refused (ELOOP), never written through.
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    this.marker = truncationNote(maxBytes, limit);
    this.end = start + maxBytes;
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

  /**
   * Appends output that came through a pipe (`--keep-children` runs): what fits under the cap, then the note
   * once; later output is dropped without touching the file.
   */
  write(chunk: Uint8Array): void {
    if (this.truncated) return;
    ignoreIoError(() => {
      const room = Math.max(0, this.end - fstatSync(this.fd).size);
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
      if (size <= this.end + (this.truncated ? this.marker.length : 0)) return;
      ftruncateSync(this.fd, this.end);
      writeSync(this.fd, this.marker);
      this.truncated = true;
    });
  }

  close(): void {
    this.enforceCap();
    ignoreIoError(() => closeSync(this.fd));
  }
}

/**
 * Opens the log for one run: its section starts where the engine measured the log's end when it claimed
 * the run (`logStart`), with the whole `log_max_bytes` to itself; runs after the first are headed by their
 * number and start time. Throws when the log cannot be opened.
 */
export function openRunLog(req: RunRequest, startedMs: number): CappedLog {
  const start = req.logStart ?? 0;
  const log = new CappedLog(req.logPath, req.logMaxBytes, 'log_max_bytes', start);
  if (req.attempt > 1) log.note(runHeader(req.attempt, startedMs, start === 0));
  return log;
}

/** The log is best effort once open: a full disk (ENOSPC) or I/O error must not take the worker down. */
function ignoreIoError(fn: () => void): void {
  try {
    fn();
  } catch {
    /* the run goes on; its output is what the disk could hold */
  }
}
