import { WORKER_NODE_FLAGS } from '../daemon/fork-worker.js';
import type { SpawnWorker } from '../engine/index.js';
import type { FromWorker } from '../engine/worker/messages.js';

/**
 * Worker processes for the desktop host: the engine's SpawnWorker on top of Electron's utilityProcess.fork,
 * forking the same worker bundle (out/node/worker.js) the headless daemon forks with child_process. The
 * worker finds `process.parentPort` there (worker/channel.ts) and runs each job in its own process group,
 * exactly as under the daemon.
 *
 * The Electron call is injected (glue/workers.ts passes utilityProcess.fork), so what this adapter adds
 * (one exit report, no messages to a process that is gone, SIGKILL) is tested under Node with a fake child.
 */

/** The part of Electron's UtilityProcess the adapter uses. */
export interface UtilityChild {
  /** Undefined until the process has spawned, and again after it exited. */
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'spawn', listener: () => void): unknown;
}

export interface UtilityForkOptions {
  env: Record<string, string>;
  serviceName: string;
  stdio: 'inherit';
  execArgv: string[];
}

/**
 * The daemon's worker flags (small heap, V8 lite mode: electron/daemon/fork-worker.ts) for a utility process.
 * utilityProcess.fork's `execArgv` becomes the child's command-line switches, and there V8's flags are read
 * from Chromium's `--js-flags` switch when its isolate is made (Electron's JavascriptEnvironment), while
 * Node's own option parsing keeps only a short list of debugging options. So they go in as one
 * `--js-flags=...`; passed bare, they would be dropped without a word.
 */
export function utilityExecArgv(v8Flags: readonly string[] = WORKER_NODE_FLAGS): string[] {
  return v8Flags.length > 0 ? [`--js-flags=${v8Flags.join(' ')}`] : [];
}

export type ForkUtility = (modulePath: string, args: string[], options: UtilityForkOptions) => UtilityChild;

export interface UtilityWorkerOptions {
  env?: NodeJS.ProcessEnv;
  /** The workers' execArgv; utilityExecArgv() (the daemon's worker flags) unless given. */
  execArgv?: string[];
  /** Sends SIGKILL to a pid (process.kill); injectable for tests. */
  killPid?: (pid: number) => void;
  log?: (message: string) => void;
}

export function utilityWorkers(fork: ForkUtility, entry: string, options: UtilityWorkerOptions = {}): SpawnWorker {
  const killPid = options.killPid ?? ((pid: number) => process.kill(pid, 'SIGKILL'));
  return (workerId) => {
    const env = definedEnv({ ...(options.env ?? process.env), QUEUECTL_WORKER_ID: String(workerId) });
    // The app's own Chromium flags and ELECTRON_RUN_AS_NODE mean nothing to a worker.
    delete env.ELECTRON_RUN_AS_NODE;
    const child = fork(entry, [], { env, serviceName: `queuectl worker ${workerId}`, stdio: 'inherit', execArgv: options.execArgv ?? utilityExecArgv() });
    let lastPid: number | null = null;
    let exited = false;
    let killed = false;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    child.on('spawn', () => {
      lastPid = child.pid ?? lastPid;
    });
    child.on('exit', (code) => {
      if (exited) return;
      // Set first: nothing may post to a child inside its own exit listener (it crashed main in Electron 44).
      exited = true;
      // Let 'message' events already queued on this side run before the pool hears of the exit, so a last
      // 'finished' is handled as a result rather than as a crash.
      setImmediate(() => {
        for (const listener of exitListeners) listener(killed ? null : code, killed ? 'SIGKILL' : null);
      });
    });
    return {
      get pid() {
        return child.pid ?? lastPid;
      },
      send(message) {
        if (!exited) child.postMessage(message);
      },
      onMessage(listener) {
        child.on('message', (message) => listener(message as FromWorker));
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      kill() {
        if (exited) return;
        killed = true;
        const pid = child.pid ?? lastPid;
        // utilityProcess.kill() sends SIGTERM; the engine asks for an immediate end.
        if (pid !== null && process.platform !== 'win32') {
          try {
            killPid(pid);
            return;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
            options.log?.(`worker ${workerId}: SIGKILL failed (${(err as Error).message}); asking Electron to end it`);
          }
        }
        child.kill();
      },
    };
  };
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
