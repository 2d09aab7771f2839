import { closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Absent on Windows, where links are not a concern here. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** A cache file larger than this is not ours (the CLI bundle's code cache is well under 1 MiB). */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * The whole of `path` if it is a regular file of ours that only we can write; else undefined. A link at `path`
 * is not followed (O_NOFOLLOW fails on it).
 */
export function readPrivateFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !ownedByUs(st.uid) || (st.mode & 0o022) !== 0 || st.size > MAX_BYTES) return undefined;
    const data = Buffer.allocUnsafe(st.size);
    let done = 0;
    while (done < data.length) {
      const n = readSync(fd, data, done, data.length - done, done);
      if (n === 0) return undefined;
      done += n;
    }
    return data;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `parts` (mode 0600) all at once: written to a fresh name first (O_EXCL: never an existing
 * file or link), then renamed over `path`, which replaces a link there rather than writing through it. Throws on
 * any failure, after removing the fresh file.
 */
export function writePrivateFileAtomically(path: string, parts: Uint8Array[]): void {
  const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
  let renamed = false;
  try {
    try {
      for (const part of parts) {
        for (let done = 0; done < part.length; ) done += writeSync(fd, part, done);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    renamed = true;
  } finally {
    if (!renamed) rmSync(temp, { force: true });
  }
}

/** True where ownership cannot be told (Windows) or the file is ours. */
export function ownedByUs(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}
