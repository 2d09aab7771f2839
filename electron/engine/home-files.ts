import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';

/**
 * Files in the data directory, opened without ever following a link (docs/security.md, "A tampered data directory").
 * Another user who could write into the home before the daemon made it 0700 may have left symlinks or files
 * of their own there; an entry the daemon did not make is never written through:
 *
 * - the home must be a directory of this user (else start-up stops); it is made 0700;
 * - files that hold no data of their own (daemon.pid, token, daemon.log, on_finish.log, daemon.lock, job
 *   logs) and the logs/ directory: a symlink is removed, any other untrusted entry is moved aside to
 *   `<name>.untrusted-<ms>` (logged), and a fresh one is made;
 * - the database (queuectl.db, -wal, -shm) is the data itself: an untrusted entry stops start-up instead.
 */

/** O_NOFOLLOW where the platform has it (not Windows, which has no symlinks to plant here by another user). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const uid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);

export type Log = (message: string) => void;

/** A regular file of ours with no other name: safe to write. */
function trustedFile(st: Stats): boolean {
  const me = uid();
  return st.isFile() && (me === null || st.uid === me) && st.nlink <= 1;
}

/** A real directory (not a link) of ours. */
function trustedDir(st: Stats): boolean {
  const me = uid();
  return st.isDirectory() && (me === null || st.uid === me);
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** In words, for the log and for errors: what sits at a path. */
function describe(st: Stats): string {
  const kind = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'a special file';
  const me = uid();
  const owner = me !== null && st.uid !== me ? ` of another user (uid ${st.uid})` : '';
  const links = st.isFile() && st.nlink > 1 ? ` with ${st.nlink} names (hard links)` : '';
  return `${kind}${owner}${links}`;
}

/**
 * Removes (a symlink) or moves aside (anything else) an entry at `path` that is not a `kind` of ours, so
 * that a fresh one can be made there. Nothing there, or a trusted entry: nothing happens.
 */
export function clearUntrusted(path: string, kind: 'file' | 'dir', log: Log): void {
  const st = lstatOrNull(path);
  if (st === null || (kind === 'file' ? trustedFile(st) : trustedDir(st))) return;
  if (st.isSymbolicLink()) {
    unlinkSync(path);
    log(`removed ${path}: it was a symbolic link, and queuectl never follows links in its data directory`);
    return;
  }
  const aside = `${path}.untrusted-${Date.now()}`;
  renameSync(path, aside);
  log(`moved ${path} aside to ${aside}: it was ${describe(st)}, not one queuectl made; a fresh one replaces it`);
}

/**
 * Opens `path` for appending, creating it 0600: an untrusted entry is replaced first, the open never follows
 * a link (O_NOFOLLOW), and the opened file is checked again (fstat) before anything is written to it.
 */
export function openPrivateAppend(path: string, log: Log): number {
  clearUntrusted(path, 'file', log);
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o600);
  const st = fstatSync(fd);
  if (!trustedFile(st)) {
    closeSync(fd);
    throw new Error(`${path} is ${describe(st)}; refusing to write to it`);
  }
  return fd;
}

/**
 * Writes a small whole file (the pid, the token) through a fresh temp file and a rename: whatever was at
 * `path` (a planted link, another user's file) is replaced, never written through.
 */
export function writePrivateFile(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    unlinkSync(temp);
  } catch {
    /* not there */
  }
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** A small file of ours (≤ 64 KiB), read without following a link; null when missing or not trusted. */
export function readPrivateFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!trustedFile(fstatSync(fd))) return null;
    const buffer = Buffer.alloc(65_536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes sure `path` is a directory of ours, mode 0700: made if missing; an untrusted entry (a link, another
 * user's directory) is removed or moved aside first. Answers whether it had to make it.
 */
export function ensurePrivateDir(path: string, log: Log): boolean {
  // The usual case, in one lstat: ours already, 0700 (the daemon checks logs/ before every run).
  const existing = lstatOrNull(path);
  if (existing !== null && trustedDir(existing) && (process.platform === 'win32' || (existing.mode & 0o777) === 0o700)) return false;
  clearUntrusted(path, 'dir', log);
  let made = true;
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    made = false;
  }
  const st = lstatSync(path);
  if (!trustedDir(st)) throw new Error(`${path} is ${describe(st)}; refusing to use it`);
  if (process.platform !== 'win32' && (st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
  return made;
}

/**
 * The data directory itself (canonical, so never a link): made 0700 if missing; another user's directory,
 * or something else than a directory, stops start-up: its owner could always undo our chmod.
 */
export function prepareHome(home: string): Stats {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const st = lstatSync(home);
  const me = uid();
  if (!st.isDirectory()) throw new Error(`the data directory ${home} is ${describe(st)}, not a directory`);
  if (me !== null && st.uid !== me) {
    throw new Error(`the data directory ${home} belongs to another user (uid ${st.uid}); refusing to use it: choose another QUEUECTL_HOME`);
  }
  if (process.platform !== 'win32') chmodSync(home, 0o700);
  return st;
}

/**
 * A database file (queuectl.db, -wal, -shm) that SQLite is about to open by its path: a link or a file of
 * another user stops start-up, since moving the data aside silently would look like losing it.
 */
export function refuseUntrustedDataFile(path: string): void {
  const st = lstatOrNull(path);
  if (st === null || trustedFile(st)) return;
  throw new Error(`${path} is ${describe(st)}; refusing to open it (queuectl never follows links in its data directory): move it away and start again`);
}

/** dev and inode of the entry at `path` (a link itself, not its target), or null when nothing is there. */
export function identityOf(path: string): string | null {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st ? `${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  }
}
