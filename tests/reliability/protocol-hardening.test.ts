import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, type Job } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { homePaths } from '../../protocol/node/paths.js';
import { TestHome, isAlive, waitFor } from '../helpers/daemon.js';

/**
 * The daemon's socket is an attack surface: anything a local process writes to it must be answered with a
 * JSON-RPC error or end in a closed connection, never crash or stall the daemon, never touch the store
 * without a valid hello. These tests speak to the raw socket of a real headless daemon.
 */

/** One message from the daemon, as parsed from a line. */
interface Message {
  jsonrpc?: string;
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
  method?: string;
}

/** Error codes the daemon may legitimately answer garbage with (internal error excluded: that is a bug). */
const EXPECTED_GARBAGE_CODES = new Set([-32700, -32600, -32601, -32602, -32000]);

/** A raw connection to the socket: writes bytes, collects every line the daemon sends, notices the close. */
class RawConnection {
  readonly messages: Message[] = [];
  /** Lines from the daemon that were not JSON (the daemon must never send one). */
  readonly unparsable: string[] = [];
  closedAt: number | null = null;
  readonly openedAt = Date.now();
  private buffered = '';
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        try {
          this.messages.push(JSON.parse(line) as Message);
        } catch {
          this.unparsable.push(line.slice(0, 200));
        }
      }
      this.notify();
    });
    // EPIPE / ECONNRESET when the daemon hangs up while we still write: that is a close, not a test failure.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.notify();
    });
  }

  static open(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  send(message: object): void {
    this.write(JSON.stringify(message) + '\n');
  }

  /** Waits until a message matching `match` has arrived (or fails after `timeoutMs`, or when the socket closes first). */
  async waitMessage(match: (m: Message) => boolean, timeoutMs = 5000, what = 'a message'): Promise<Message> {
    await this.until(() => this.messages.some(match) || this.closed, timeoutMs, what);
    const found = this.messages.find(match);
    if (!found) throw new Error(`connection closed before ${what}; got ${JSON.stringify(this.messages).slice(0, 500)}`);
    return found;
  }

  /** Sends a request and waits for the answer with its id. */
  async request(method: string, params: unknown, id: string | number, timeoutMs = 5000): Promise<Message> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.waitMessage((m) => m.id === id, timeoutMs, `the answer to ${method} (id ${JSON.stringify(id)})`);
  }

  /** Waits for the daemon to close the connection; returns ms since the connection was opened. */
  async waitClosed(timeoutMs: number): Promise<number> {
    await this.until(() => this.closed, timeoutMs, 'the daemon to close the connection');
    return this.closedAt! - this.openedAt;
  }

  close(): void {
    this.socket.destroy();
  }

  private until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; messages so far: ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** Small seeded PRNG (xorshift32), so a failing fuzz run can be replayed from the printed seed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

describe('the daemon socket withstands hostile and broken clients', () => {
  const t = new TestHome();
  const paths = homePaths(t.home);
  let socketPath = '';
  let token = '';
  let daemonPid = 0;
  /** Jobs this file enqueued on purpose, through the well-behaved client. */
  const ownJobs: string[] = [];

  // The well-behaved client: asks for status every 100 ms for the whole file.
  let good: RpcClient;
  let poller: NodeJS.Timeout | null = null;
  let inFlight = false;
  const served = { ok: 0, failures: [] as string[], slowestMs: 0 };

  const rawHello = async (c: RawConnection): Promise<void> => {
    const answer = await c.request('hello', { token, protocol_version: PROTOCOL_VERSION, client: 'test' }, 'hello');
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ protocol_version: PROTOCOL_VERSION, pid: daemonPid });
  };
  const authed = async (): Promise<RawConnection> => {
    const c = await RawConnection.open(socketPath);
    await rawHello(c);
    return c;
  };
  const jobIds = async (): Promise<string[]> => (await good.call('list', { limit: 100_000 })).jobs.map((j: Job) => j.id).sort();

  beforeAll(async () => {
    daemonPid = await t.start(1);
    socketPath = paths.socket;
    token = readFileSync(paths.token, 'utf8').trim();
    good = await RpcClient.connect(t.home, 'test-good-client');
    for (const command of ['true', 'echo hardening', 'exit 3']) {
      ownJobs.push((await good.call('enqueue', { job: { command, max_retries: 0 } })).job.id);
    }
    poller = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      const started = Date.now();
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('status took over 3 s')), 3000).unref());
      Promise.race([good.call('status', {}), timeout])
        .then((s) => {
          if (s.pid !== daemonPid) served.failures.push(`status answered pid ${s.pid}, expected ${daemonPid}`);
          else served.ok++;
        })
        .catch((err: unknown) => served.failures.push(`${new Date().toISOString()} ${String(err)}`))
        .finally(() => {
          served.slowestMs = Math.max(served.slowestMs, Date.now() - started);
          inFlight = false;
        });
    }, 100);
  });

  afterAll(async () => {
    if (poller) clearInterval(poller);
    good?.close();
    await t.dispose();
  });

  it('a malformed JSON line is answered with -32700 and the connection keeps serving requests', async () => {
    const c = await RawConnection.open(socketPath);
    try {
      // Before hello: a parse error does not end the connection, the hello still works.
      c.write('{"jsonrpc":"2.0","id":1,"method":"hello"\n');
      const early = await c.waitMessage((m) => m.error?.code === -32700, 3000, 'a parse error');
      expect(early.id).toBeNull();
      expect(early.error?.data?.code).toBe('BAD_REQUEST');
      await rawHello(c);

      const before = c.messages.length;
      c.write('this is not json\n');
      c.write('{"jsonrpc":"2.0","id":2,"method":"status"\n'); // truncated object
      c.write(Buffer.from([0xff, 0xfe, 0x7b, 0x0a])); // not UTF-8
      await c.waitMessage(() => c.messages.length >= before + 3, 3000, 'three parse errors');
      const errors = c.messages.slice(before);
      expect(errors).toHaveLength(3);
      for (const m of errors) {
        expect(m.error?.code).toBe(-32700);
        expect(m.error?.data?.code).toBe('BAD_REQUEST');
        expect(m.result).toBeUndefined();
      }

      const answer = await c.request('status', {}, 'after-garbage');
      expect(answer.error).toBeUndefined();
      expect(answer.result).toMatchObject({ pid: daemonPid });
      expect(c.closed).toBe(false);
      expect(c.unparsable).toEqual([]);
    } finally {
      c.close();
    }
  });

  it(`a line over MAX_FRAME_BYTES (${MAX_FRAME_BYTES}) is refused with BAD_REQUEST and the connection is closed; one just under is served`, async () => {
    // Just under the cap: a status request padded to MAX_FRAME_BYTES - 1 bytes (plus the newline) is answered.
    const under = await authed();
    try {
      const head = '{"jsonrpc":"2.0","id":"big-ok","method":"status","params":{"pad":"';
      const tail = '"}}';
      const line = head + 'a'.repeat(MAX_FRAME_BYTES - 1 - head.length - tail.length) + tail;
      expect(Buffer.byteLength(line)).toBe(MAX_FRAME_BYTES - 1);
      under.write(line + '\n');
      const ok = await under.waitMessage((m) => m.id === 'big-ok', 10_000, 'the answer to the near-cap request');
      expect(ok.error).toBeUndefined();
      expect(ok.result).toMatchObject({ pid: daemonPid });
    } finally {
      under.close();
    }

    // Over the cap: refused, then closed.
    const over = await authed();
    const head = '{"jsonrpc":"2.0","id":"big","method":"status","params":{"pad":"';
    over.write(head + 'a'.repeat(MAX_FRAME_BYTES + 1024) + '"}}\n');
    await over.waitClosed(10_000);
    const refusals = over.messages.filter((m) => m.id !== 'hello');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.error?.code).toBe(-32600);
    expect(refusals[0]!.error?.data?.code).toBe('BAD_REQUEST');
    expect(refusals[0]!.error?.message).toMatch(String(MAX_FRAME_BYTES));
    expect(refusals[0]!.result).toBeUndefined();

    // An endless line without any newline is cut off the same way (the daemon does not buffer it all).
    const endless = await authed();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 10 && !endless.closed; i++) endless.write(chunk);
    await endless.waitClosed(10_000);
    expect(endless.messages.filter((m) => m.id !== 'hello').map((m) => m.error?.data?.code)).toEqual(['BAD_REQUEST']);
  });

  it('an unknown method is answered with -32601 METHOD_NOT_FOUND and the connection keeps serving', async () => {
    const c = await authed();
    try {
      // Names that exist on every JS object must not reach a handler lookup either.
      const names = ['frobnicate', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'STATUS', 'status ', ''];
      for (const [i, method] of names.entries()) {
        const answer = await c.request(method, {}, `m${i}`);
        expect(answer.result, `method ${JSON.stringify(method)}`).toBeUndefined();
        expect(answer.error?.code, `method ${JSON.stringify(method)}`).toBe(-32601);
        expect(answer.error?.data?.code, `method ${JSON.stringify(method)}`).toBe('METHOD_NOT_FOUND');
      }
      const answer = await c.request('status', {}, 'still-ok');
      expect(answer.result).toMatchObject({ pid: daemonPid });
    } finally {
      c.close();
    }
  });

  it('parameters of the wrong type are answered with -32602 INVALID_ARGUMENT and change nothing', async () => {
    const c = await authed();
    try {
      const jobsBefore = await jobIds();
      const configBefore = JSON.stringify((await good.call('config.list', {})).entries);
      const someId = ownJobs[0]!;
      const cases: Array<[string, unknown]> = [
        ['list', { limit: 'x' }],
        ['list', { limit: 1.5 }],
        ['list', { limit: 0 }],
        ['list', { state: 5 }],
        ['list', 'params as a string'],
        ['show', { id: 5 }],
        ['show', { id: null }],
        ['show', { id: '' }],
        ['show', [someId]],
        ['enqueue', { job: 7 }],
        ['enqueue', { job: null }],
        ['enqueue', {}],
        ['enqueue', { job: { command: 7 } }],
        ['enqueue', { job: { command: 'true', max_retries: '3' } }],
        ['enqueue', { job: { command: 'true', cwd: 5 } }],
        ['enqueue', { job: ['true'] }],
        ['config.set', { key: 'max_retries', value: {} }],
        ['config.set', { key: 'max_retries', value: [1] }],
        ['config.set', { key: 'max_retries', value: null }],
        ['config.set', { key: 5, value: 1 }],
        ['config.get', { key: [] }],
        ['logs', { id: {} }],
        ['logs', { id: someId, max_bytes: 'all' }],
        ['logs', { id: someId, offset: -1 }],
        ['cancel', { id: true }],
        ['dlq.retry', { all: 'yes' }],
        ['dlq.retry', { id: 5 }],
        ['daemon.stop', { timeout_ms: 'soon' }],
      ];
      for (const [i, [method, params]] of cases.entries()) {
        const label = `${method} ${JSON.stringify(params)}`;
        const answer = await c.request(method, params, `p${i}`);
        expect(answer.result, label).toBeUndefined();
        expect(answer.error?.code, label).toBe(-32602);
        expect(answer.error?.data?.code, label).toBe('INVALID_ARGUMENT');
        expect(answer.error?.message, label).toMatch(/\S/);
      }
      expect(await jobIds()).toEqual(jobsBefore);
      expect(JSON.stringify((await good.call('config.list', {})).entries)).toBe(configBefore);
      expect((await c.request('status', {}, 'still-ok')).result).toMatchObject({ pid: daemonPid, stopping: false });
    } finally {
      c.close();
    }
  });

  it('a request before hello is answered with UNAUTHORIZED and the connection is closed', async () => {
    const c = await RawConnection.open(socketPath);
    c.send({ jsonrpc: '2.0', id: 'early', method: 'status', params: {} });
    const answer = await c.waitMessage((m) => m.id === 'early', 3000, 'the refusal');
    expect(answer.result).toBeUndefined();
    expect(answer.error?.code).toBe(-32000);
    expect(answer.error?.data?.code).toBe('UNAUTHORIZED');
    expect(await c.waitClosed(3000)).toBeLessThan(3000);
    expect(c.messages).toHaveLength(1);
  });

  it('requests pipelined behind a refused first request (no hello, or a wrong token) are not executed', async () => {
    const jobsBefore = await jobIds();
    const correctHello = { jsonrpc: '2.0', id: 2, method: 'hello', params: { token, protocol_version: PROTOCOL_VERSION, client: 'test' } };
    const enqueue = (id: string) => ({ jsonrpc: '2.0', id: 3, method: 'enqueue', params: { job: { id, command: 'true' } } });
    const scenarios: Array<[string, object, string]> = [
      ['a request before hello', { jsonrpc: '2.0', id: 1, method: 'list', params: {} }, 'after-refusal'],
      ['a wrong token', { jsonrpc: '2.0', id: 1, method: 'hello', params: { token: 'wrong', protocol_version: PROTOCOL_VERSION } }, 'after-bad-token'],
    ];
    const outcomes = await Promise.all(
      scenarios.map(async ([label, first, jobId]) => {
        const c = await RawConnection.open(socketPath);
        // One write: the refused line, then a correct hello, then an enqueue. The first line ends the
        // connection; nothing after it may run.
        c.write([first, correctHello, enqueue(jobId)].map((m) => JSON.stringify(m) + '\n').join(''));
        await c.waitClosed(3000);
        return { label, codes: c.messages.map((m) => m.error?.data?.code ?? 'result') };
      }),
    );
    for (const { label, codes } of outcomes) expect(codes, label).toEqual(['UNAUTHORIZED']);
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobIds(), 'jobs enqueued on connections that had been refused').toEqual(jobsBefore);
  });

  it('every line gets its own answer, in order, also when invalid UTF-8 lines share a chunk with requests', async () => {
    const c = await authed();
    try {
      c.write(
        Buffer.concat([
          Buffer.from('{"jsonrpc":"2.0","id":"a","method":"status"}\n'),
          Buffer.from([0xff, 0x0a]),
          Buffer.from([0xc3, 0x28, 0x0a]),
          Buffer.from('{"jsonrpc":"2.0","id":"b","method":"status"}\n'),
        ]),
      );
      await c.waitMessage((m) => m.id === 'b', 3000, 'the answer to b');
      await new Promise((r) => setTimeout(r, 100));
      const answers = c.messages.filter((m) => m.id !== 'hello').map((m) => (m.result !== undefined ? `result ${String(m.id)}` : `error ${m.error?.code}`));
      expect(answers).toEqual(['result a', 'error -32700', 'error -32700', 'result b']);
    } finally {
      c.close();
    }
  });

  it('a wrong token is refused with UNAUTHORIZED only after a delay (>= 250 ms), then the connection is closed', async () => {
    const wrongTokens: unknown[] = [
      token.replace(/^./, (ch) => (ch === '0' ? '1' : '0')), // same length, one character off
      token.slice(0, -1),
      token + 'x',
      '',
      123,
      null,
    ];
    const results = await Promise.all(
      wrongTokens.map(async (wrong, i) => {
        const c = await RawConnection.open(socketPath);
        const sent = Date.now();
        c.send({ jsonrpc: '2.0', id: `bad${i}`, method: 'hello', params: { token: wrong, protocol_version: PROTOCOL_VERSION } });
        // A request pipelined behind the bad hello must not be answered.
        c.send({ jsonrpc: '2.0', id: `then${i}`, method: 'status', params: {} });
        const answer = await c.waitMessage((m) => m.id === `bad${i}`, 3000, 'the refusal');
        const delay = Date.now() - sent;
        await c.waitClosed(3000);
        return { wrong, answer, delay, messages: c.messages };
      }),
    );
    for (const { wrong, answer, delay, messages } of results) {
      const label = `token ${JSON.stringify(wrong)}`;
      expect(answer.result, label).toBeUndefined();
      expect(answer.error?.data?.code, label).toBe('UNAUTHORIZED');
      expect(delay, label).toBeGreaterThanOrEqual(250);
      expect(messages, label).toHaveLength(1);
    }

    // The right token with another protocol version: VERSION_MISMATCH, then close.
    const v = await RawConnection.open(socketPath);
    const mismatch = await v.request('hello', { token, protocol_version: PROTOCOL_VERSION + 99 }, 'v');
    expect(mismatch.error?.data?.code).toBe('VERSION_MISMATCH');
    await v.waitClosed(3000);
  });

  it('a client that connects and says nothing (or only half a line) is closed after the 5 s hello timeout', async () => {
    const silent = await RawConnection.open(socketPath);
    const partial = await RawConnection.open(socketPath);
    partial.write('{"jsonrpc":"2.0","id":1,"method":"hel');
    const [silentMs, partialMs] = await Promise.all([silent.waitClosed(9000), partial.waitClosed(9000)]);
    for (const ms of [silentMs, partialMs]) {
      expect(ms).toBeGreaterThanOrEqual(4500);
      expect(ms).toBeLessThan(8000);
    }
    expect(silent.messages).toEqual([]);
    expect(partial.messages).toEqual([]);
  });

  it('10,000 random-byte frames from several connections, before and after hello, get errors or closes and never crash the daemon', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 0x7fff_ffff);
    console.log(`protocol fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
    const random = prng(seed);
    const FRAMES = 10_000;
    const CONNECTIONS = 8; // half say hello first, half do not
    const perConnection = FRAMES / CONNECTIONS;

    const conns = await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const c = await RawConnection.open(socketPath);
        const helloFirst = i % 2 === 0;
        if (helloFirst) await rawHello(c);
        return { c, helloFirst };
      }),
    );
    let sentFrames = 0;
    for (const { c } of conns) {
      const frames: Buffer[] = [];
      for (let f = 0; f < perConnection; f++) {
        const length = 1 + Math.floor(random() * 512);
        const frame = Buffer.allocUnsafe(length + 1);
        for (let b = 0; b < length; b++) frame[b] = Math.floor(random() * 256);
        frame[length] = 0x0a;
        frames.push(frame);
      }
      // Several writes of varying size, so frames also straddle chunk boundaries.
      for (let at = 0; at < frames.length; ) {
        const n = 1 + Math.floor(random() * 50);
        c.write(Buffer.concat(frames.slice(at, at + n)));
        at += n;
      }
      sentFrames += frames.length;
    }
    expect(sentFrames).toBe(FRAMES);

    // Authenticated connections: still in order and usable after the garbage.
    // Unauthenticated ones: closed by the hello timeout at the latest.
    await Promise.all(
      conns.map(async ({ c, helloFirst }) => {
        if (helloFirst) {
          const answer = await c.request('status', {}, 'after-fuzz', 15_000);
          expect(answer.result).toMatchObject({ pid: daemonPid });
        } else {
          await c.waitClosed(9000);
        }
      }),
    );

    for (const { c, helloFirst } of conns) {
      const label = `${helloFirst ? 'authenticated' : 'unauthenticated'} connection`;
      expect(c.unparsable, label).toEqual([]);
      const answers = c.messages.filter((m) => m.id !== 'hello' && m.id !== 'after-fuzz');
      // Every garbage line is answered with an error (the pre-hello ones until the timeout closed them).
      expect(answers.length, label).toBeGreaterThan(0);
      for (const m of answers) {
        expect(m.result, `${label}: ${JSON.stringify(m)}`).toBeUndefined();
        expect(EXPECTED_GARBAGE_CODES.has(m.error?.code ?? 0), `${label}: ${JSON.stringify(m)}`).toBe(true);
        expect(typeof m.error?.data?.code, `${label}: ${JSON.stringify(m)}`).toBe('string');
      }
      c.close();
    }
    expect(isAlive(daemonPid)).toBe(true);
  });

  it('random JSON params sent to read-only methods are answered without an internal error', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 0x7fff_ffff) ^ 0x5eed;
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 2 ? 6 : 8));
      switch (kind) {
        case 0:
          return null;
        case 1:
          return random() < 0.5;
        case 2:
          return pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53, 100_000, 100_001, Number.MAX_SAFE_INTEGER]);
        case 3:
          return pick(['', 'x', ' ', '%', '_', '\u0000', '../../etc/passwd', 'pending', 'dead', ownJobs[0]!.slice(0, 3), ...ownJobs]);
        case 4:
          return 'z'.repeat(Math.floor(random() * 3000));
        case 5:
          return Math.floor(random() * 1e6) - 5e5;
        case 6:
          return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
        default: {
          const keys = ['id', 'state', 'limit', 'offset', 'tail_bytes', 'max_bytes', 'key', 'all', '__proto__', 'constructor'];
          const o: Record<string, unknown> = {};
          for (let k = Math.floor(random() * 4); k > 0; k--) o[pick(keys)] = value(depth + 1);
          return o;
        }
      }
    };
    const methods = ['status', 'list', 'show', 'logs', 'config.list', 'config.get', 'hello'] as const;
    const c = await authed();
    try {
      const REQUESTS = 2000;
      for (let i = 0; i < REQUESTS; i++) c.send({ jsonrpc: '2.0', id: i, method: pick(methods), params: value(0) });
      await c.waitMessage((m) => m.id === REQUESTS - 1, 20_000, 'the last answer');
      const answers = c.messages.filter((m) => typeof m.id === 'number');
      expect(answers).toHaveLength(REQUESTS);
      expect(answers.map((m) => m.id)).toEqual(Array.from({ length: REQUESTS }, (_, i) => i)); // in order
      const internal = answers.filter((m) => m.error?.code === -32603 || m.error?.data?.code === 'INTERNAL');
      expect(internal, `seed ${seed}`).toEqual([]);
      for (const m of answers) expect(m.result !== undefined || EXPECTED_GARBAGE_CODES.has(m.error?.code ?? 0), JSON.stringify(m)).toBe(true);
      expect(c.closed).toBe(false);
    } finally {
      c.close();
    }
  });

  it('throughout, a well-behaved client kept being served, the daemon is alive and the database passes integrity_check', async () => {
    // Let the poller take at least one more turn after the last hostile test.
    const okSoFar = served.ok;
    await waitFor(() => served.ok > okSoFar, 5000, 'one more status answer');
    if (poller) clearInterval(poller);
    poller = null;

    expect(served.failures).toEqual([]);
    expect(served.ok).toBeGreaterThanOrEqual(20);
    expect(served.slowestMs).toBeLessThan(3000);
    expect(isAlive(daemonPid)).toBe(true);
    const status = await good.call('status', {});
    expect(status.pid).toBe(daemonPid);
    expect(status.stopping).toBe(false);

    // Only the jobs this file enqueued on purpose exist (jobs from refused connections are reported by their own test).
    const refusedJobs = ['after-refusal', 'after-bad-token'];
    expect((await jobIds()).filter((id) => !refusedJobs.includes(id))).toEqual([...ownJobs].sort());
    expect(t.daemonLog()).not.toMatch(/internal error|uncaught|unhandled/i);

    const db = new Database(join(t.home, 'queuectl.db'), { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const stored = db.prepare<[], { id: string }>(`SELECT id FROM jobs ORDER BY id`).all().map((r) => r.id).filter((id) => !refusedJobs.includes(id));
      expect(stored).toEqual([...ownJobs].sort());
    } finally {
      db.close();
    }
  });
});
