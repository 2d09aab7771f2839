import { EVENT_NOTIFICATION, QueueError, isTerminal, type Attempt, type Job, type QueueEvent } from '../protocol/index.js';
import type { LogBytes } from '../protocol/log-chunk.js';
import type { LogsParams } from '../protocol/methods.js';
import type { RpcClient } from '../protocol/node/client.js';
import type { QueueCaller } from './client.js';
import { EXIT, daemonGone, unresponsive } from './errors.js';
import { onInterrupt } from './interrupt.js';
import { note } from './output.js';
import { WAIT_EXIT, describeEnd, jobExitCode, runExitCode } from './job-exit.js';

/**
 * Reading a job's log: all of it, its last lines, and following it as it grows (`logs --follow`,
 * `enqueue --follow`). Output goes to stdout byte for byte as the job wrote it: the daemon sends the exact
 * bytes of every chunk that is not UTF-8 text (protocol/log-chunk.ts).
 */

/** Largest chunk one `logs` call returns. */
const MAX_CHUNK = 1024 * 1024;

/** A chunk's bytes as the job wrote them. */
export function chunkBytes(chunk: LogBytes): Buffer {
  return chunk.data_base64 === undefined ? Buffer.from(chunk.data, 'utf8') : Buffer.from(chunk.data_base64, 'base64');
}

/** Writes to stdout; resolves once the data is handed on (waits for a full pipe to drain). */
export function write(data: Uint8Array): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(data) ? resolve() : process.stdout.once('drain', resolve)));
}

/** Which run's output to read (`logs --run`): its number or the latest; undefined for the whole log. */
export type RunChoice = LogsParams['run'];

/**
 * Prints the log from `offset` to its end as it is now (with `run`: to the end of that run's output, from
 * where it begins when `offset` is before it); returns where it stopped.
 */
export async function printLogFrom(client: QueueCaller, id: string, offset: number, run?: RunChoice): Promise<number> {
  for (;;) {
    const chunk = await client.call('logs', { id, offset, run });
    if (chunk.data) await write(chunkBytes(chunk));
    if (chunk.next_offset >= chunk.size || chunk.next_offset === chunk.offset) return chunk.next_offset;
    offset = chunk.next_offset;
  }
}

/**
 * The last `lines` lines of the log (or of one run's output) as it is now (a last line without a newline
 * counts, as in tail(1)), and the offset where it ended then. Reads a growing stretch from the end until it
 * holds that many lines or reaches the start.
 */
export async function readTail(client: QueueCaller, id: string, lines: number, run?: RunChoice): Promise<{ bytes: Buffer; next: number }> {
  const whole = await client.call('logs', { id, tail_bytes: 0, run });
  const end = whole.size;
  const first = whole.start ?? 0;
  if (lines === 0) return { bytes: Buffer.alloc(0), next: end };
  for (let span = Math.max(4096, lines * 160); ; span *= 4) {
    const start = Math.max(first, end - span);
    const { bytes, next } = await readRange(client, id, start, end, run);
    const from = lastLinesStart(bytes, lines, start === first);
    if (from >= 0) return { bytes: bytes.subarray(from), next };
    if (start === first) return { bytes, next };
  }
}

/** Text or bytes: what lastLinesStart looks for line breaks in. */
interface Lines {
  readonly length: number;
  lastIndexOf(value: string, from?: number): number;
}

/**
 * Where the last `n` lines of `text` begin, or -1 when `text` may not hold them whole (it does not start
 * at the start of the log, `atStart`, and has fewer than `n` line breaks before its last line).
 */
export function lastLinesStart(text: Lines, n: number, atStart: boolean): number {
  let i = text.length > 0 && text.lastIndexOf('\n') === text.length - 1 ? text.length - 1 : text.length;
  for (let k = 0; k < n; k++) {
    const nl = i > 0 ? text.lastIndexOf('\n', i - 1) : -1;
    if (nl < 0) return atStart ? 0 : -1;
    i = nl;
  }
  return i + 1;
}

/** The log's bytes from `start` to `end`. */
async function readRange(client: QueueCaller, id: string, start: number, end: number, run: RunChoice): Promise<{ bytes: Buffer; next: number }> {
  const parts: Buffer[] = [];
  let offset = start;
  while (offset < end) {
    const chunk = await client.call('logs', { id, offset, max_bytes: Math.min(MAX_CHUNK, end - offset), run });
    parts.push(chunkBytes(chunk));
    if (chunk.next_offset <= offset) break;
    offset = chunk.next_offset;
  }
  return { bytes: Buffer.concat(parts), next: offset };
}

/**
 * Follows `job`'s log from `offset` until the job has ended and every byte was printed, then returns the
 * exit code (as `wait` for one job). Retries append to the log, each run under its header, so they are
 * followed as they come. A log started afresh (deleted by hand, or the job removed and its id used again)
 * is said on stderr and followed from its new start. Ctrl-C exits 130; a daemon that stops, 3; one
 * that stops answering (the connection's pings go unanswered: protocol/node/client.ts) throws its
 * DaemonUnavailable (exit 3, naming its pid). Waiting for a job's output has no deadline of its own.
 */
export async function followLog(client: RpcClient, job: Job, offset: number): Promise<number> {
  const stopInterrupt = onInterrupt(() => client.close());
  try {
    const how = await streamLog(client, job.id, offset, () =>
      note(`queuectl: the log of job ${job.id} was started afresh (deleted, or made anew); following it from its start`),
    );
    if (how === 'daemon-gone') {
      process.stderr.write(`queuectl: error: the daemon stopped while following the log of job ${job.id}\n`);
      return EXIT.notRunning;
    }
    return await endOf(client, job);
  } finally {
    stopInterrupt();
  }
}

/** Prints LogEvents as they come until the one with `ended`. */
function streamLog(client: RpcClient, id: string, offset: number, restarted: () => void): Promise<'ended' | 'daemon-gone'> {
  return new Promise((resolve, reject) => {
    let position = offset;
    let done = false;
    /** Resolves how it ended; rejects instead when the daemon stopped answering (`failure`). */
    const finish = (how: 'ended' | 'daemon-gone', failure: Error | null = null): void => {
      if (done) return;
      done = true;
      client.onNotification = null;
      if (failure) reject(failure);
      else resolve(how);
    };
    const gone = (): void => finish('daemon-gone', unresponsive(client.failure));
    client.onNotification = (n) => {
      if (done || n.method !== EVENT_NOTIFICATION) return;
      const event = n.params as QueueEvent;
      if (event.type !== 'log' || event.id !== id) return;
      if (event.offset === 0 && position > 0) restarted();
      position = event.next_offset;
      if (event.data) process.stdout.write(chunkBytes(event));
      if (event.ended) finish('ended');
    };
    client.call('events.subscribe', { log: { id, offset } }).then(
      // No log followed: the daemon is closing its event hub (stopping).
      (r) => r.log === null && finish('daemon-gone'),
      (err: unknown) => {
        if (err instanceof QueueError && err.code === 'JOB_NOT_FOUND') finish('ended');
        else if (daemonGone(err) || (err instanceof QueueError && err.code === 'SHUTTING_DOWN')) gone();
        else reject(err);
      },
    );
    void client.closed().then(gone);
  });
}

/** How the followed job ended, as an exit code; a job that did not complete is named on stderr. */
async function endOf(client: RpcClient, followed: Job): Promise<number> {
  let shown: { job: Job; attempts: Attempt[] } | null = null;
  try {
    shown = await client.call('show', { id: followed.id });
  } catch (err) {
    if (daemonGone(err) && !unresponsive(err as Error)) {
      process.stderr.write(`queuectl: error: the daemon stopped while following the log of job ${followed.id}\n`);
      return EXIT.notRunning;
    }
    if (!(err instanceof QueueError) || err.code !== 'JOB_NOT_FOUND') throw err;
  }
  // Gone, or another job of that id (a prefix of another's id answers with that one).
  if (!shown || shown.job.id !== followed.id || shown.job.created_at !== followed.created_at) {
    process.stderr.write(`queuectl: error: job ${followed.id} was removed while its log was followed; how it ended is unknown\n`);
    return WAIT_EXIT.removed;
  }
  const { job, attempts } = shown;
  if (isTerminal(job.state)) {
    if (job.state !== 'completed') note(`queuectl: job ${describeEnd({ id: job.id, createdAt: job.created_at, job, end: 'finished' })}`);
    return jobExitCode(job, attempts);
  }
  // Retried by someone the moment it ended: its last finished run says how it ended.
  const last = [...attempts].reverse().find((a) => a.outcome !== 'running');
  if (!last) return EXIT.failure;
  const code = last.outcome === 'completed' ? 0 : runExitCode(last.exit_code, last.signal);
  if (code !== 0) note(`queuectl: job ${job.id} ended (${last.error ?? `exit ${code}`}) and has been retried since`);
  return code;
}
