import { QueueError, type MethodName, type ParamsOf, type ResultOf } from '../protocol/index.js';
import { DaemonUnavailable, DEFAULT_TIMEOUT_MS, RpcClient, timeoutFromEnv } from '../protocol/node/client.js';
import { daemonHoldingHome } from '../protocol/node/daemon-holder.js';
import type { LocalQueue, OpenLocalQueue } from '../protocol/node/local-queue.js';
import { homePaths, resolveHome } from '../protocol/node/paths.js';
import { startInBackground } from './launch.js';
import { note } from './output.js';

/** Calls a method: the daemon's RpcClient, or the in-process queue of `withClient`. */
export interface QueueCaller {
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
}

/** What a command asks of the queue: the daemon over its socket, or, with none running, the store in-process. */
export interface QueueClient extends QueueCaller {
  /** True when no daemon runs and this command works on the store itself (nothing runs until one starts). */
  readonly local: boolean;
}

/**
 * Runs `fn` against the home's daemon; when none answers, against the home's store opened in this process
 * through the engine's own dispatch (out/node/local.js, loaded only then, so a call to a running daemon
 * loads none of it), or, with `config set autostart true`, against a daemon started for it. Always closes.
 */
export async function withClient<T>(fn: (client: QueueClient) => Promise<T>): Promise<T> {
  const client = await connectOrLocal(resolveHome());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * The daemon's socket and nothing else, for what needs running workers (`wait`, `--follow`, `ui`,
 * `status --watch`): with no daemon, NOT_RUNNING (exit 3) saying that `what` needs one.
 */
export async function withDaemon<T>(what: string, fn: (client: RpcClient) => Promise<T>): Promise<T> {
  const client = await connectDaemon(what);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** A connection to the home's daemon; NOT_RUNNING naming `what` as the reason one is needed. */
export async function connectDaemon(what: string): Promise<RpcClient> {
  try {
    return await RpcClient.connect(resolveHome());
  } catch (err) {
    if (err instanceof QueueError && err.code === 'NOT_RUNNING') throw new QueueError('NOT_RUNNING', err.message, { needs: what });
    throw err;
  }
}

type Closable = QueueClient & { close(): Promise<void> | void };

/** How long a daemon that holds the home may take to answer on its socket (it is starting) before exit 3. */
const DAEMON_START_WAIT_MS = 5_000;

/**
 * The daemon if one answers; else the store in-process. A home held by another command is waited for, until
 * QUEUECTL_TIMEOUT (default 15 s); one held by a daemon that does not answer yet (starting) is asked again
 * for DAEMON_START_WAIT_MS at most (a daemon whose socket was deleted answers again within seconds).
 */
async function connectOrLocal(home: string): Promise<Closable> {
  const budget = timeoutFromEnv() ?? DEFAULT_TIMEOUT_MS;
  const deadline = budget > 0 ? Date.now() + budget : Infinity;
  let daemonSeen: number | null = null;
  let autostarted = false;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    try {
      return daemonClient(await RpcClient.connect(home));
    } catch (err) {
      if (!(err instanceof QueueError && err.code === 'NOT_RUNNING')) throw err;
    }
    const local = await (await loadLocal())(home, { waitMs: Math.max(0, deadline - Date.now()) });
    if (local !== 'daemon') {
      if (!local.autostart || autostarted) return localClient(home, local);
      await local.close();
      await startInBackground(home);
      autostarted = true;
      continue;
    }
    daemonSeen ??= Date.now();
    if (Date.now() + pause >= Math.min(deadline, daemonSeen + DAEMON_START_WAIT_MS)) throw silentDaemon(home);
    await new Promise((r) => setTimeout(r, pause));
  }
}

function daemonClient(rpc: RpcClient): Closable {
  return { call: (method, params) => rpc.call(method, params), local: false, close: () => rpc.close() };
}

/** Said once per command: the first call that finds no daemon. */
let noted = false;

/** The in-process queue as a client: answers and errors exactly as they would arrive over the socket. */
function localClient(home: string, local: LocalQueue): Closable {
  if (!noted) note(`queuectl: no daemon is running for ${home}; working on the store directly: jobs run once one starts (queuectl worker start)`);
  noted = true;
  return {
    local: true,
    call: async <M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> => {
      const outcome = await local.call(method, params);
      if ('error' in outcome) throw new QueueError(outcome.error.data?.code ?? 'INTERNAL', outcome.error.message, outcome.error.data ?? {});
      return JSON.parse(JSON.stringify(outcome.result)) as ResultOf<M>;
    },
    close: () => local.close(),
  };
}

/** out/node/local.js, next to this CLI's bundle (out/cli/), imported by URL so the CLI bundle never contains it. */
async function loadLocal(): Promise<OpenLocalQueue> {
  const url = new URL('../node/local.js', import.meta.url).href;
  const mod = (await import(/* @vite-ignore */ url)) as { openLocalQueue: OpenLocalQueue };
  return mod.openLocalQueue;
}

/** A daemon holds the home but its socket does not answer within the deadline (exit 3). */
function silentDaemon(home: string): DaemonUnavailable {
  const paths = homePaths(home);
  const pid = daemonHoldingHome(paths);
  return new DaemonUnavailable(
    'unresponsive',
    `the queuectl daemon for ${paths.home} is running${pid === null ? '' : ` (pid ${pid})`} but its socket ${paths.socket} does not answer. ` +
      'A deleted socket is made again within a few seconds: try again; if it persists, stop the daemon with: queuectl worker stop',
  );
}
