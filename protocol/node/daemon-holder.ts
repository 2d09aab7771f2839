import { constants, closeSync, fstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { HomePaths } from './paths.js';
import { isProcessAlive } from './process-alive.js';

/**
 * The daemon that holds a home, found without its socket (deleted, or not answering): the pid in
 * daemon.pid (read without following a link), alive, and, on Linux, verified to be the process that has
 * this home's database open (/proc/<pid>/fd), so a stale or forged pid file never names another process.
 * Elsewhere the pid file and a live process are all there is to go on. Null when no daemon holds the home.
 */
export function daemonHoldingHome(paths: HomePaths): number | null {
  const pid = readPidFile(paths.pidFile);
  if (pid === null || pid === process.pid || !isProcessAlive(pid)) return null;
  if (process.platform !== 'linux') return pid;
  return holdsFile(pid, paths.database) ? pid : null;
}

/** The pid written in `path`, if it is a plain file with a positive integer in it. */
export function readPidFile(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(32);
    const pid = Number.parseInt(buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } finally {
    closeSync(fd);
  }
}

/** True if process `pid` has `path` open (also once the file was deleted: the kernel then says so). */
function holdsFile(pid: number, path: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target === path || target === `${path} (deleted)`) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}
