import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where every file of one queuectl installation lives. The desktop app and the headless daemon share it. */
export interface HomePaths {
  home: string;
  database: string;
  token: string;
  /** Pid of the running daemon, for messages. */
  pidFile: string;
  /** Held locked by the running daemon: one per home. */
  lockFile: string;
  socket: string;
  logs: string;
  /** Output of a daemon started with --detach. */
  daemonLog: string;
}

/** Unix socket paths longer than this do not fit sockaddr_un on every platform. */
const MAX_SOCKET_PATH = 100;

/**
 * The data directory: QUEUECTL_HOME if set, else the user data directory Electron would pick for "queuectl"
 * (so the desktop app and the daemon find each other).
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.QUEUECTL_HOME) return env.QUEUECTL_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'queuectl');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'queuectl');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'queuectl');
}

export function homePaths(home: string, platform: NodeJS.Platform = process.platform): HomePaths {
  return {
    home,
    database: join(home, 'queuectl.db'),
    token: join(home, 'token'),
    pidFile: join(home, 'daemon.pid'),
    lockFile: join(home, 'daemon.lock'),
    socket: socketPath(home, platform),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'daemon.log'),
  };
}

/**
 * The socket lives in the data directory when the path fits; a long home falls back to a per-user 0700
 * directory under the temp dir, named by a hash of the home. On Windows it is a named pipe.
 */
function socketPath(home: string, platform: NodeJS.Platform): string {
  const digest = fnv1a64(home);
  if (platform === 'win32') return `\\\\.\\pipe\\queuectl-${digest}`;
  const inHome = join(home, 'queuectl.sock');
  if (Buffer.byteLength(inHome) <= MAX_SOCKET_PATH) return inHome;
  return join(fallbackSocketDir(), `${digest}.sock`);
}

/** Per-user directory for sockets whose home path is too long. */
export function fallbackSocketDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `queuectl-${uid}`);
}

/** 64-bit FNV-1a of the UTF-16 code units, as 16 hex digits: a stable short name for a home path. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
