import { lstat, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { QueueError, type ErrorCode, type RpcErrorObject } from '../errors.js';
import { encodeFrame, LineSplitter } from '../framing.js';
import type { HelloResult, MethodName, ParamsOf, ResultOf } from '../methods.js';
import { PROTOCOL_VERSION } from '../version.js';
import { homePaths, type HomePaths } from './paths.js';

/** Notification pushed by the daemon (no id). */
export interface RpcNotification {
  method: string;
  params: unknown;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * A connection to the daemon that has passed the hello. Requests may be pipelined; answers are matched by id.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;
  private readonly closeWaiters: Array<() => void> = [];
  /** Called for every notification the daemon pushes. */
  onNotification: ((n: RpcNotification) => void) | null = null;
  hello!: HelloResult;

  private constructor(private readonly socket: Socket) {
    const splitter = new LineSplitter();
    socket.on('data', (chunk) => {
      const { lines, overflow } = splitter.push(chunk);
      for (const line of lines) if (line !== null) this.receive(line);
      if (overflow) {
        this.fail(new QueueError('INTERNAL', 'the daemon sent a message over the size cap'));
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      this.fail(new QueueError('NOT_RUNNING', 'the daemon closed the connection'));
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  /** Connects to the daemon of `home` and says hello. Throws QueueError NOT_RUNNING if nothing answers. */
  static async connect(home: string, client = 'cli'): Promise<RpcClient> {
    const paths = homePaths(home);
    const token = await readToken(paths);
    await checkSocketOwner(paths.socket);
    const socket = await openSocket(paths.socket);
    const rpc = new RpcClient(socket);
    rpc.hello = await rpc.call('hello', { token, protocol_version: PROTOCOL_VERSION, client });
    return rpc;
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(encodeFrame({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Resolves when the daemon closes the connection (e.g. after a stop). */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
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
    if (msg.error) {
      const code = (msg.error.data?.code ?? 'INTERNAL') as ErrorCode;
      waiter.reject(new QueueError(code, msg.error.message, msg.error.data ?? {}));
    } else {
      waiter.resolve(msg.result);
    }
  }

  private fail(error: Error): void {
    if (!this.closedError) this.closedError = error;
    for (const [, waiter] of this.pending) waiter.reject(this.closedError);
    this.pending.clear();
  }
}

async function readToken(paths: HomePaths): Promise<string> {
  try {
    return (await readFile(paths.token, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notRunning(paths);
    if ((err as NodeJS.ErrnoException).code === 'EACCES') {
      throw new QueueError('UNAUTHORIZED', `cannot read ${paths.token}: permission denied (the daemon belongs to another user)`);
    }
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
    uid = (await lstat(path)).uid;
  } catch {
    return;
  }
  if (uid !== process.getuid()) {
    throw new QueueError('UNAUTHORIZED', `the socket ${path} belongs to another user (uid ${uid}); refusing to connect`);
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET'].includes(err.code ?? '')) {
        reject(new QueueError('NOT_RUNNING', 'no queuectl daemon is running'));
      } else if (err.code === 'EACCES') {
        reject(new QueueError('UNAUTHORIZED', `cannot connect to ${path}: permission denied`));
      } else {
        reject(err);
      }
    });
  });
}

function notRunning(paths: HomePaths): QueueError {
  return new QueueError('NOT_RUNNING', `no queuectl daemon is running for ${paths.home}`);
}
