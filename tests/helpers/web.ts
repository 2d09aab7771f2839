import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { QueueEvent } from '../../protocol/index.js';

/** An HTTP answer, body read in full. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  /** Sent exactly as given (no normalisation of `..`, unlike fetch). */
  path: string;
  /** Host defaults to 127.0.0.1:<port>; pass `host: null` to send none. */
  headers?: Record<string, string | null>;
  body?: string | Buffer;
}

/**
 * One request over node:http with every header under the caller's control (fetch will not forge Host or
 * leave `..` in a path). Resolves with whatever the server answers; rejects on connection errors.
 */
export function rawRequest(port: number, options: RawRequestOptions): Promise<RawResponse> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, setHost: false, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) before it has read all of a large body and then stop reading: an error
    // while still sending does not matter once the answer is here.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    req.end(options.body);
  });
}

/** The parts of a URL printed by `queuectl ui --web` (http://127.0.0.1:<port>/<prefix>/?token=<token>). */
export function parseDashboardUrl(url: string): { origin: string; port: number; token: string; prefix: string; home: string } {
  const u = new URL(url);
  const prefix = /^\/([^/]+)\/$/.exec(u.pathname)?.[1] ?? '';
  return { origin: u.origin, port: Number(u.port), token: u.searchParams.get('token') ?? '', prefix, home: u.pathname };
}

/** A JSON-RPC response as POST /rpc answers it. */
export interface RpcResponse<T = unknown> {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: T;
  error?: { code: number; message: string; data: { code: string } };
}

/**
 * What a browser holds after opening the printed URL: the session cookie. Requests go under the URL's
 * path prefix and carry the cookie and the right Host; RPC calls also the page's Origin, as the
 * dashboard's own fetches do.
 */
export class WebSession {
  private nextId = 1;

  private constructor(
    readonly origin: string,
    readonly port: number,
    /** The printed URL's secret first path segment; every request of the dashboard goes under `/<prefix>/`. */
    readonly prefix: string,
    /** `qctl=<token>`, as the Cookie header sends it. */
    readonly cookie: string,
  ) {}

  /** Trades the URL's token for the cookie (GET /<prefix>/?token=..., expecting 303 and Set-Cookie). */
  static async open(url: string): Promise<WebSession> {
    const { origin, port, prefix } = parseDashboardUrl(url);
    const res = await fetch(url, { redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (res.status !== 303 || !setCookie) throw new Error(`token exchange answered ${res.status} without a cookie`);
    return new WebSession(origin, port, prefix, setCookie.split(';')[0]!);
  }

  /** `/<prefix>` + `path`: where a dashboard path (`/`, `/rpc`, `/assets/…`) is on the server. */
  at(path: string): string {
    return `/${this.prefix}${path}`;
  }

  /** GET (or another method) with the cookie; `path` is under the prefix (`/rpc` asks for /<prefix>/rpc). */
  request(path: string, options: Omit<RawRequestOptions, 'path'> = {}): Promise<RawResponse> {
    return rawRequest(this.port, { ...options, path: this.at(path), headers: { cookie: this.cookie, ...options.headers } });
  }

  /** POST /<prefix>/rpc with the cookie and the page's Origin; `stream` names an event stream (X-Queuectl-Stream). */
  async rpc<T = unknown>(method: string, params: unknown = {}, options: { stream?: string } = {}): Promise<RpcResponse<T>> {
    const headers: Record<string, string> = { origin: this.origin, 'content-type': 'application/json' };
    if (options.stream !== undefined) headers['x-queuectl-stream'] = options.stream;
    const res = await this.request('/rpc', { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }) });
    if (res.status !== 200) throw new Error(`POST /rpc ${method} answered ${res.status}: ${res.body}`);
    return JSON.parse(res.body) as RpcResponse<T>;
  }

  /** Like rpc(), but throws on a JSON-RPC error and returns the result. */
  async call<T = unknown>(method: string, params: unknown = {}, options: { stream?: string } = {}): Promise<T> {
    const res = await this.rpc<T>(method, params, options);
    if (res.error) throw new Error(`${method}: ${res.error.data.code}: ${res.error.message}`);
    return res.result as T;
  }

  /** Opens GET /<prefix>/events and waits for its `ready` event. */
  events(headers: Record<string, string> = {}): Promise<SseStream> {
    return SseStream.open(this.port, this.at('/events'), this.cookie, headers);
  }
}

/** One Server-Sent Event. `event` is "message" unless the server named it. */
export interface SseMessage {
  event: string;
  data: string;
}

/** An open GET /<prefix>/events stream, parsed into events as they arrive. */
export class SseStream {
  /** The stream's id from its `ready` event (for X-Queuectl-Stream). */
  id = '';
  /** Every event received, in order (comments such as `: ping` are counted in `comments`). */
  readonly received: SseMessage[] = [];
  comments = 0;
  /** Resolves when the server ends the stream or the connection drops. */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private res: IncomingMessage | null = null;
  private destroyRequest: () => void = () => undefined;
  private endedFlag = false;
  /** received[0..consumed) were returned by next() already. */
  private consumed = 0;
  private markEnded!: () => void;

  private constructor() {
    this.ended = new Promise((r) => (this.markEnded = r));
  }

  /** Connects to `path` (/<prefix>/events) and waits for the first event, which must be `ready`. */
  static async open(port: number, path: string, cookie: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = new SseStream();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, cookie, accept: 'text/event-stream', ...headers }, agent: false },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`GET events answered ${res.statusCode}`));
            return;
          }
          stream.attach(res);
          resolve();
        },
      );
      req.on('error', (err) => {
        stream.finish();
        reject(err);
      });
      stream.destroyRequest = () => req.destroy();
      req.end();
    });
    const first = await stream.next(() => true, 5000);
    if (first.event !== 'ready') throw new Error(`the first event was ${first.event}, not ready`);
    stream.id = (JSON.parse(first.data) as { stream: string }).stream;
    return stream;
  }

  /** Content-Type and other headers of the stream's response. */
  get headers(): IncomingHttpHeaders {
    return this.res?.headers ?? {};
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  /**
   * The first event (after those already consumed by earlier next() calls) that matches `match`;
   * waits up to `timeoutMs` for one to arrive.
   */
  async next(match: (m: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((m, i) => i >= this.consumed && match(m));
      if (index >= 0) {
        this.consumed = index + 1;
        return this.received[index]!;
      }
      if (this.endedFlag) throw new Error('the event stream ended before a matching event arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms (got ${this.received.map((m) => m.event).join(', ') || 'none'})`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** The next QueueEvent (a default `message` event) that matches `match`. */
  async nextEvent<E extends QueueEvent = QueueEvent>(match: (e: QueueEvent) => boolean, timeoutMs = 10_000): Promise<E> {
    const m = await this.next((msg) => msg.event === 'message' && match(JSON.parse(msg.data) as QueueEvent), timeoutMs);
    return JSON.parse(m.data) as E;
  }

  /** Closes the connection from the client's side. */
  close(): void {
    this.destroyRequest();
    this.finish();
  }

  private attach(res: IncomingMessage): void {
    this.res = res;
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      this.wake();
    });
    res.on('end', () => this.finish());
    res.on('close', () => this.finish());
    res.on('error', () => this.finish());
  }

  private parseBlock(block: string): void {
    let event = 'message';
    const data: string[] = [];
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      if (field === 'data') data.push(value);
      isEvent = true;
    }
    if (isEvent) this.received.push({ event, data: data.join('\n') });
  }

  private finish(): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    this.markEnded();
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
