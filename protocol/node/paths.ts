import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

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
  /** The store the last `--store` or QUEUECTL_STORE chose (0600: a URL may carry a password); none: sqlite. */
  storeChoice: string;
}

/** Unix socket paths longer than this do not fit sockaddr_un on every platform. */
const MAX_SOCKET_PATH = 100;

/**
 * The data directory: QUEUECTL_HOME if set, else the user data directory Electron would pick for "queuectl"
 * (so the desktop app and the daemon find each other). Canonical (see `canonicalHome`) on this platform.
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = spelledHome(env, platform);
  return platform === process.platform ? canonicalHome(home) : home;
}

function spelledHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (env.QUEUECTL_HOME) return env.QUEUECTL_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'queuectl');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'queuectl');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'queuectl');
}

/**
 * The one spelling of a home that the CLI, the daemon and the desktop app all use, so that `dir/`, `dir/.`,
 * `a/../dir` and a symlink to `dir` name the same daemon (socket, pipe, hash): absolute and normalised, with
 * symlinks resolved (`realpath`) as far as the path exists; a part not created yet is appended as spelled.
 */
export function canonicalHome(home: string): string {
  const absolute = resolve(home);
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(canonicalHome(parent), basename(absolute));
  }
}

/** Every path of one home; `home` is canonicalised first (on this platform), so any spelling gives the same paths. */
export function homePaths(spelled: string, platform: NodeJS.Platform = process.platform): HomePaths {
  const home = platform === process.platform ? canonicalHome(spelled) : spelled;
  return {
    home,
    database: join(home, 'queuectl.db'),
    token: join(home, 'token'),
    pidFile: join(home, 'daemon.pid'),
    lockFile: join(home, 'daemon.lock'),
    socket: socketPath(home, platform),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'daemon.log'),
    storeChoice: join(home, 'store-choice'),
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

/**
 * Per-user directory for sockets whose home path is too long. On Linux it is under /tmp itself, not $TMPDIR,
 * so a CLI started with another TMPDIR (sudo, tmux, a test runner) still finds the daemon.
 */
export function fallbackSocketDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(process.platform === 'linux' ? '/tmp' : tmpdir(), `queuectl-${uid}`);
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
