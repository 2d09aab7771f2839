import { lstatSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { formatDuration, parseDuration } from '../duration.js';
import { QueueError, type ErrorCode, type RpcErrorObject } from '../errors.js';
import { encodeFrame, LineSplitter } from '../framing.js';
import type { HelloResult, MethodName, ParamsOf, ResultOf } from '../methods.js';
import { PROTOCOL_VERSION } from '../version.js';
import { readPidFile } from './daemon-holder.js';
import { homePaths, type HomePaths } from './paths.js';

/** Notification pushed by the daemon (no id). */
export interface RpcNotification {
  method: string;
  params: unknown;
}

/** Sets the deadline of every request (connect + hello, each call): a duration (`30s`, `2m`, a bare number is seconds); 0 waits for ever. */
export const TIMEOUT_ENV = 'QUEUECTL_TIMEOUT';
/** Connect + hello, and each call, unless the method is slow by nature (SLOW_METHODS) or QUEUECTL_TIMEOUT says otherwise. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Methods that legitimately take long on a big queue: their own default deadline. */
const SLOW_METHODS: Partial<Record<MethodName, number>> = {
  'enqueue.batch': 120_000,
  'dlq.retry': 120_000,
  'job.remove': 120_000,
  'jobs.bulk': 120_000,
  'dlq.purge': 600_000,
  'jobs.clean': 600_000,
};
/** A connection idle this long (nothing received, nothing asked) asks `status` to learn that the daemon still answers. */
export const MAX_PING_INTERVAL_MS = 15_000;

/**
 * Why a daemon that may well be running cannot serve this request. The CLI exits 3 with the message, which
 * names the daemon's pid and what to do.
 */
export type UnavailableReason =
  /** No answer within the deadline: the daemon is stopped (SIGSTOP), stuck or overloaded. */
  | 'unresponsive'
  /** The connection broke before the answer (reset, broken pipe, closed): the daemon stopped or crashed mid-request. */
  | 'connection-lost'
  /** This process or the system has no file descriptor left for the connection. */
  | 'no-descriptors';

export class DaemonUnavailable extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonUnavailable';
  }
}

export interface ClientOptions {
  /** Deadline for connect + hello and for each call, in ms; 0 for none. Default: QUEUECTL_TIMEOUT, else per method. */
  timeoutMs?: number;
}

type Pending = { what: string; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout | null };

/**
 * A connection to the daemon that has passed the hello. Requests may be pipelined; answers are matched by id.
 * Every request has a deadline; a daemon that misses one counts as unresponsive, and every call on the
 * connection fails with that DaemonUnavailable. While idle (a client waiting for events) the connection
 * asks `status` now and then, so a daemon that stopped answering ends the wait too.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;
  private readonly closeWaiters: Array<() => void> = [];
  private lastHeard = Date.now();
  private pinger: NodeJS.Timeout | null = null;
  /** Called for every notification the daemon pushes. */
  onNotification: ((n: RpcNotification) => void) | null = null;
  hello!: HelloResult;

  private constructor(
    private readonly socket: Socket,
    private readonly paths: HomePaths,
    /** The caller's deadline for every call (QUEUECTL_TIMEOUT or an option), or null for the per-method defaults. */
    private readonly timeoutMs: number | null,
  ) {
    const splitter = new LineSplitter();
    socket.on('data', (chunk) => {
      this.lastHeard = Date.now();
      const { lines, overflow } = splitter.push(chunk);
      for (const line of lines) if (line !== null) this.receive(line);
      if (overflow) {
        this.fail(new QueueError('INTERNAL', 'the daemon sent a message over the size cap'));
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.fail(this.lost(err)));
    socket.on('close', () => {
      this.stopPinging();
      this.fail(this.pending.size > 0 ? this.lost(null) : new QueueError('NOT_RUNNING', 'the daemon closed the connection'));
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  /**
   * Connects to the daemon of `home` and says hello, within the deadline (a daemon busy with other
   * connections is tried again until then). Throws QueueError NOT_RUNNING if nothing listens, and
   * DaemonUnavailable if a daemon is there but does not answer in time.
   */
  static async connect(home: string, client = 'cli', options: ClientOptions = {}): Promise<RpcClient> {
    const paths = homePaths(home);
    const chosen = options.timeoutMs ?? timeoutFromEnv();
    const budget = chosen ?? DEFAULT_TIMEOUT_MS;
    const deadline = budget > 0 ? Date.now() + budget : Infinity;
    const token = await readToken(paths);
    await checkSocketOwner(paths.socket);
    let lost: DaemonUnavailable | null = null;
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      let rpc: RpcClient | null = null;
      try {
        rpc = new RpcClient(await openSocket(paths, deadline, budget), paths, chosen);
        rpc.hello = await rpc.call('hello', { token, protocol_version: PROTOCOL_VERSION, client }, { deadline });
        rpc.startPinging(budget);
        return rpc;
      } catch (err) {
        rpc?.close();
        if (err instanceof DaemonUnavailable && err.reason === 'unresponsive') throw unresponsive(paths, readPid(paths), '`hello`', budget);
        // Refused at the door (the listen backlog is full) or dropped before hello by a daemon shedding
        // idle connections: others are flooding it. Try again until the deadline.
        if (err instanceof DaemonUnavailable && err.reason === 'connection-lost') lost = err;
        else if (!(err instanceof TryAgain)) throw err;
        if (Date.now() + pause >= deadline) throw lost ?? unresponsive(paths, readPid(paths), '`hello`', budget);
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  /** Sends one request; rejects with the daemon's error, or DaemonUnavailable when it misses the deadline or the connection breaks. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>, options: { timeoutMs?: number; deadline?: number; what?: string } = {}): Promise<ResultOf<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const timeoutMs = options.deadline !== undefined ? Math.max(1, options.deadline - Date.now()) : (options.timeoutMs ?? this.timeoutMs ?? SLOW_METHODS[method] ?? DEFAULT_TIMEOUT_MS);
    const what = options.what ?? `\`${method}\``;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs) && timeoutMs > 0 ? setTimeout(() => this.expired(what, timeoutMs), timeoutMs) : null;
      this.pending.set(id, { what, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(encodeFrame({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Resolves when the connection has closed (the daemon stopped, or this client gave up on it). */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Why the connection ended, once it did: DaemonUnavailable (`unresponsive`) when the daemon stopped answering. */
  get failure(): Error | null {
    return this.closedError;
  }

  close(): void {
    this.stopPinging();
    this.socket.end();
    this.socket.destroy();
  }

  private receive(line: string): void {
    let msg: { id?: number; result?: unknown; error?: RpcErrorObject; method?: string; params?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.id === undefined || msg.id === null) {
      if (msg.method) this.onNotification?.({ method: msg.method, params: msg.params });
      else if (msg.error) {
        const code = (msg.error.data?.code ?? 'INTERNAL') as ErrorCode;
        this.fail(new QueueError(code, msg.error.message, msg.error.data ?? {}));
      }
      return;
    }
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (waiter.timer) clearTimeout(waiter.timer);
    if (msg.error) {
      const code = (msg.error.data?.code ?? 'INTERNAL') as ErrorCode;
      waiter.reject(new QueueError(code, msg.error.message, msg.error.data ?? {}));
    } else {
      waiter.resolve(msg.result);
    }
  }

  /** A call missed its deadline: the daemon is unresponsive; everything on this connection fails with that. */
  private expired(what: string, waitedMs: number): void {
    this.fail(unresponsive(this.paths, this.hello?.pid ?? readPid(this.paths), what, waitedMs));
    this.socket.destroy();
  }

  /** The connection broke (`err`, or closed with calls unanswered): one DaemonUnavailable naming the first of them. */
  private lost(err: Error | null): Error {
    const [first] = this.pending.values();
    return socketFailure(err, this.paths, this.hello?.pid ?? readPid(this.paths), first ? first.what : null);
  }

  private fail(error: Error): void {
    if (!this.closedError) this.closedError = error;
    for (const [, waiter] of this.pending) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(this.closedError);
    }
    this.pending.clear();
  }

  /** While nothing is asked and nothing heard for a while, asks `status`; a miss fails the connection (expired). */
  private startPinging(deadlineMs: number): void {
    if (deadlineMs <= 0) return;
    const interval = Math.min(MAX_PING_INTERVAL_MS, deadlineMs);
    this.pinger = setInterval(() => {
      if (this.closedError || this.pending.size > 0 || Date.now() - this.lastHeard < interval) return;
      this.call('status', {}, { timeoutMs: deadlineMs, what: 'a ping (`status`, asked while waiting for events)' }).catch(() => undefined);
    }, interval);
    this.pinger.unref();
  }

  private stopPinging(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }
}

/** QUEUECTL_TIMEOUT in ms (0: no deadline), or null when unset; INVALID_ARGUMENT when it is not a duration. */
export function timeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env[TIMEOUT_ENV];
  if (text === undefined || text.trim() === '') return null;
  const ms = parseDuration(text);
  if (ms === null) throw new QueueError('INVALID_ARGUMENT', `${TIMEOUT_ENV} must be a duration such as 30s or 2m (0 waits for ever), not ${JSON.stringify(text)}`);
  return ms;
}

/** The socket could not take the connection now (its listen backlog is full): worth another try. */
class TryAgain extends Error {}

/** Every socket-level failure, mapped in one place to what the user is told (see the codes below). */
const NOT_LISTENING = ['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'];
const NO_DESCRIPTORS = ['EMFILE', 'ENFILE'];

/**
 * What a broken connection means for the user. `during` names the unanswered request, or null when none was
 * under way. Out of descriptors: say so; anything else (ECONNRESET, EPIPE, a close before the answer,
 * ERR_STREAM_PREMATURE_CLOSE, ...): the daemon went away mid-request.
 */
function socketFailure(err: Error | null, paths: HomePaths, pid: number | null, during: string | null): Error {
  if (err instanceof QueueError || err instanceof DaemonUnavailable) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && NO_DESCRIPTORS.includes(code)) return noDescriptors(code);
  const how = err ? err.message : 'closed';
  return new DaemonUnavailable(
    'connection-lost',
    `${daemonName(pid)} closed the connection${during ? ` before answering ${during}` : ''} (${how}): it stopped, crashed or ran out of file descriptors.\n` +
      `  see its log (${paths.daemonLog} when it runs in the background), check it with: queuectl status; start it again with: queuectl worker start`,
  );
}

function noDescriptors(code: string): DaemonUnavailable {
  const who = code === 'ENFILE' ? 'the system has' : 'this process has';
  return new DaemonUnavailable('no-descriptors', `cannot reach the queuectl daemon: ${who} no file descriptors left (${code}); close some programs or files, or raise the limit (ulimit -n), then try again`);
}

function unresponsive(paths: HomePaths, pid: number | null, what: string, waitedMs: number): DaemonUnavailable {
  const windows = process.platform === 'win32';
  const p = pid ?? '<pid>';
  const steps =
    pid === null
      ? `  its pid should be in ${paths.pidFile}; end that process and start again with: queuectl worker start`
      : windows
        ? `  check it with: tasklist /FI "PID eq ${p}"; end it with: taskkill /PID ${p} /F, then start again with: queuectl worker start`
        : `  check it with: ps -o pid,stat,etime,args -p ${p} (stat T: stopped); resume it with: kill -CONT ${p}\n` +
          `  or end it with: kill ${p} (kill -9 ${p} if it stays), then start again with: queuectl worker start`;
  return new DaemonUnavailable(
    'unresponsive',
    `${daemonName(pid)} did not answer ${what} within ${formatDuration(waitedMs)}: it is stopped, stuck or overloaded.\n${steps}\n` +
      `  to wait longer, set ${TIMEOUT_ENV} (e.g. ${TIMEOUT_ENV}=2m; 0 waits for ever)`,
  );
}

function daemonName(pid: number | null): string {
  return pid === null ? 'the queuectl daemon' : `the queuectl daemon (pid ${pid})`;
}

/** The pid in daemon.pid, for messages; null when it cannot be read (never through a link). */
function readPid(paths: HomePaths): number | null {
  return readPidFile(paths.pidFile);
}

/**
 * Read synchronously, as the socket's owner below: a one-shot CLI call would otherwise start libuv's thread
 * pool (4 threads) for these two small reads, which costs more than the reads.
 */
async function readToken(paths: HomePaths): Promise<string> {
  try {
    return readFileSync(paths.token, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') throw notRunning(paths);
    if (code === 'EACCES') {
      throw new QueueError('UNAUTHORIZED', `cannot read ${paths.token}: permission denied (the daemon belongs to another user)`);
    }
    if (NO_DESCRIPTORS.includes(code)) throw noDescriptors(code);
    throw err;
  }
}

/**
 * Refuses a socket that another user created (e.g. one squatting the shared fallback directory): the token
 * is only ever sent to a daemon of our own user.
 */
async function checkSocketOwner(path: string): Promise<void> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  let uid: number;
  try {
    uid = lstatSync(path).uid;
  } catch {
    return;
  }
  if (uid !== process.getuid()) {
    throw new QueueError('UNAUTHORIZED', `the socket ${path} belongs to another user (uid ${uid}); refusing to connect`);
  }
}

/** Opens the socket: NOT_RUNNING when nothing listens, TryAgain when its backlog is full, DaemonUnavailable past the deadline. */
function openSocket(paths: HomePaths, deadline: number, budget: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(paths.socket);
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => {
          socket.destroy();
          reject(unresponsive(paths, readPid(paths), 'the connection', budget));
        }, Math.max(1, deadline - Date.now()))
      : null;
    socket.once('connect', () => {
      if (timer) clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      const code = err.code ?? '';
      if (NOT_LISTENING.includes(code) || code === 'ECONNRESET') reject(notRunning(paths));
      else if (code === 'EAGAIN' || code === 'EWOULDBLOCK') reject(new TryAgain(code));
      else if (code === 'EACCES') reject(new QueueError('UNAUTHORIZED', `cannot connect to ${paths.socket}: permission denied`));
      else reject(socketFailure(err, paths, readPid(paths), 'the connection'));
    });
  });
}

function notRunning(paths: HomePaths): QueueError {
  return new QueueError('NOT_RUNNING', `no queuectl daemon is running for ${paths.home}`);
}
