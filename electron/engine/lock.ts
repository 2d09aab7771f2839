import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { daemonHoldingHome } from '../../protocol/node/daemon-holder.js';
import type { HomePaths } from '../../protocol/node/paths.js';
import { clearUntrusted, identityOf, readPrivateFile, refuseUntrustedDataFile, writePrivateFile, type Log } from './home-files.js';

/** Thrown when another daemon (or the desktop app) already serves this home. */
export class AlreadyRunningError extends Error {
  constructor(readonly pid: number | null) {
    super(`queuectl is already running for this data directory${pid ? ` (pid ${pid})` : ''}`);
    this.name = 'AlreadyRunningError';
  }
}

/**
 * One daemon per data directory, held three ways so that deleting a file cannot let a second one in:
 *
 * 1. an exclusive SQLite lock (fcntl) on `daemon.lock`, portable, but the file can be deleted;
 * 2. an exclusive flock(2) on the database file itself, taken through flock(1) on a descriptor this process
 *    keeps open (the lock belongs to the open file, so it lives exactly as long as this process). flock and
 *    SQLite's fcntl locks do not interact on Linux. Deleting the database is noticed by home-watch.ts, which
 *    then refuses all writes; a new database file gets a new lock;
 * 3. a socket that still answers (`probeSocket`, before this) means a daemon is there.
 *
 * The OS drops the locks when the process dies, even by kill -9: no stale locks, no two winners. daemon.pid
 * is for messages (and `worker stop` of a daemon whose socket is gone, which checks it holds the database).
 * Answers how to release the locks and how to write daemon.pid again should someone delete it.
 * `daemon: false` (a CLI running a command in-process, in-process.ts): the same locks, but no daemon.pid, so
 * nobody mistakes the CLI for a daemon (`worker start`, `worker stop`, a daemon waiting in `acquireLockWaiting`).
 */
export function acquireLock(paths: HomePaths, log: Log, { daemon = true }: { daemon?: boolean } = {}): HomeLock {
  const locks = [lockFile(paths, log)];
  let lockId = identityOf(paths.lockFile);
  let dbFd: number | null = null;
  try {
    dbFd = lockDatabaseFile(paths.database, paths.pidFile, log);
  } catch (err) {
    locks[0]!.close();
    throw err;
  }
  if (daemon) writePrivateFile(paths.pidFile, `${process.pid}\n`);
  let released = false;
  return {
    restorePid: () => {
      if (daemon && !released && readPid(paths.pidFile) !== process.pid) writePrivateFile(paths.pidFile, `${process.pid}\n`);
    },
    restoreLockFile: () => {
      if (released || identityOf(paths.lockFile) === lockId) return;
      // Deleted (or replaced) under us: lock a new one too, so a start without flock(1) is refused as well.
      locks.push(lockFile(paths, log));
      lockId = identityOf(paths.lockFile);
      log(`${paths.lockFile} was removed or replaced; locked a new one`);
    },
    release: () => {
      released = true;
      try {
        if (readPid(paths.pidFile) === process.pid) unlinkSync(paths.pidFile);
      } catch {
        /* already gone */
      }
      if (dbFd !== null) closeSync(dbFd);
      for (const db of locks) db.close();
    },
  };
}

/** How often a start that found the home locked by a command (not a daemon) tries again. */
const LOCK_RETRY_MS = 25;

/**
 * `acquireLock`, but a home held by a queuectl command working on the store without a daemon (no daemon.pid
 * names a live holder, no socket answers) is waited for, up to `waitMs`: such a command holds it for
 * milliseconds. A daemon holding the home (or the wait running out) is AlreadyRunningError, as before.
 */
export async function acquireLockWaiting(paths: HomePaths, log: Log, options: { daemon: boolean; waitMs: number }): Promise<HomeLock> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      return acquireLock(paths, log, options);
    } catch (err) {
      if (!(err instanceof AlreadyRunningError) || Date.now() >= deadline) throw err;
      if (daemonHoldingHome(paths) !== null || (await probeSocket(paths.socket))) throw err;
    }
    await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
  }
}

/** An exclusive SQLite lock (fcntl) on daemon.lock, held by the open connection; a planted entry is replaced first. */
function lockFile(paths: HomePaths, log: Log): Database.Database {
  clearUntrusted(paths.lockFile, 'file', log);
  const db = new Database(paths.lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new AlreadyRunningError(readPid(paths.pidFile));
    throw err;
  }
  return db;
}

/** The home's lock, held by this process. */
export interface HomeLock {
  release(): void;
  /** Writes daemon.pid again when it is missing or names another process (the home watch, every second). */
  restorePid(): void;
  /** Locks a new daemon.lock when the one locked was deleted or replaced (the home watch, every second). */
  restoreLockFile(): void;
}

/**
 * Takes an exclusive flock on the database file (made empty if missing: SQLite reads that as a new
 * database) and answers the descriptor that holds it; null where flock(1) does not exist (then daemon.lock
 * alone keeps one daemon per home, logged).
 */
function lockDatabaseFile(path: string, pidFile: string, log: Log): number | null {
  if (process.platform === 'win32') return null;
  refuseUntrustedDataFile(path);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
  const CONFLICT = 75;
  const r = spawnSync('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status === 0) return fd;
  closeSync(fd);
  if (r.status === CONFLICT) throw new AlreadyRunningError(readPid(pidFile));
  const why = r.error ? r.error.message : `exit ${r.status}: ${String(r.stderr).trim()}`;
  log(`could not lock the database file with flock(1) (${why}); one daemon per data directory rests on daemon.lock alone`);
  return null;
}

/**
 * Resolves true when something accepts connections on the home's socket: a daemon runs there even if its
 * lock file was deleted. A socket file left by a crash refuses (false).
 */
export function probeSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(true), 2000); // accepted into the backlog of a stopped (SIGSTOP) daemon
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EAGAIN'));
  });
}

export function readPid(pidFile: string): number | null {
  const pid = Number.parseInt(readPrivateFile(pidFile) ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
