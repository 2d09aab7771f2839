import { EVENT_NOTIFICATION, QueueError, isTerminal, type Attempt, type Job, type QueueEvent } from '../protocol/index.js';
import type { RpcClient } from '../protocol/node/client.js';
import { EXIT } from './errors.js';
import { onInterrupt } from './interrupt.js';
import { note } from './output.js';
import { WAIT_EXIT, describeEnd, jobExitCode, runExitCode } from './job-exit.js';

/**
 * Reading a job's log: all of it, its last lines, and following it as it grows (`logs --follow`,
 * `enqueue --follow`). Output goes to stdout as the daemon sends it: UTF-8 text (the protocol carries text;
 * bytes that are not UTF-8 arrive as U+FFFD).
 */

/** Largest chunk one `logs` call returns. */
const MAX_CHUNK = 1024 * 1024;

/** Writes to stdout; resolves once the data is handed on (waits for a full pipe to drain). */
export function write(data: string): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(data) ? resolve() : process.stdout.once('drain', resolve)));
}

/** Prints the log from `offset` to its end as it is now; returns where it stopped. */
export async function printLogFrom(client: RpcClient, id: string, offset: number): Promise<number> {
  for (;;) {
    const chunk = await client.call('logs', { id, offset });
    if (chunk.data) await write(chunk.data);
    if (chunk.next_offset >= chunk.size || chunk.next_offset === chunk.offset) return chunk.next_offset;
    offset = chunk.next_offset;
  }
}

/**
 * The last `lines` lines of the log as it is now (a last line without a newline counts, as in tail(1)),
 * and the offset where the log ended then. Reads a growing stretch from the end until it holds that many
 * lines or reaches the start.
 */
export async function readTail(client: RpcClient, id: string, lines: number): Promise<{ text: string; next: number }> {
  const end = (await client.call('logs', { id, tail_bytes: 0 })).size;
  if (lines === 0) return { text: '', next: end };
  for (let span = Math.max(4096, lines * 160); ; span *= 4) {
    const start = Math.max(0, end - span);
    const { text, next } = await readRange(client, id, start, end);
    const from = lastLinesStart(text, lines, start === 0);
    if (from >= 0) return { text: text.slice(from), next };
    if (start === 0) return { text, next };
  }
}

/**
 * Where the last `n` lines of `text` begin, or -1 when `text` may not hold them whole (it does not start
 * at the start of the log, `atStart`, and has fewer than `n` line breaks before its last line).
 */
export function lastLinesStart(text: string, n: number, atStart: boolean): number {
  let i = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let k = 0; k < n; k++) {
    const nl = i > 0 ? text.lastIndexOf('\n', i - 1) : -1;
    if (nl < 0) return atStart ? 0 : -1;
    i = nl;
  }
  return i + 1;
}

/** The log's bytes from `start` to `end`, as text (the first character may be cut when `start` splits one). */
async function readRange(client: RpcClient, id: string, start: number, end: number): Promise<{ text: string; next: number }> {
  const parts: string[] = [];
  let offset = start;
  while (offset < end) {
    const chunk = await client.call('logs', { id, offset, max_bytes: Math.min(MAX_CHUNK, end - offset) });
    parts.push(chunk.data);
    if (chunk.next_offset <= offset) break;
    offset = chunk.next_offset;
  }
  return { text: parts.join(''), next: offset };
}

/**
 * Follows `job`'s log from `offset` until the job has ended and every byte was printed, then returns the
 * exit code (as `wait` for one job). A log started afresh (the job was retried, or removed and its id used
 * again) is said on stderr and followed from its new start. Ctrl-C exits 130; a daemon that stops, 3.
 */
export async function followLog(client: RpcClient, job: Job, offset: number): Promise<number> {
  const stopInterrupt = onInterrupt(() => client.close());
  try {
    const how = await streamLog(client, job.id, offset, () =>
      note(`queuectl: the log of job ${job.id} was started afresh (the job runs again); following it from its start`),
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
    const finish = (how: 'ended' | 'daemon-gone'): void => {
      if (done) return;
      done = true;
      client.onNotification = null;
      resolve(how);
    };
    client.onNotification = (n) => {
      if (done || n.method !== EVENT_NOTIFICATION) return;
      const event = n.params as QueueEvent;
      if (event.type !== 'log' || event.id !== id) return;
      if (event.offset === 0 && position > 0) restarted();
      position = event.next_offset;
      if (event.data) process.stdout.write(event.data);
      if (event.ended) finish('ended');
    };
    client.call('events.subscribe', { log: { id, offset } }).then(
      // No log followed: the daemon is closing its event hub (stopping).
      (r) => r.log === null && finish('daemon-gone'),
      (err: unknown) => {
        if (err instanceof QueueError && err.code === 'JOB_NOT_FOUND') finish('ended');
        else if (err instanceof QueueError && (err.code === 'NOT_RUNNING' || err.code === 'SHUTTING_DOWN')) finish('daemon-gone');
        else reject(err);
      },
    );
    void client.closed().then(() => finish('daemon-gone'));
  });
}

/** How the followed job ended, as an exit code; a job that did not complete is named on stderr. */
async function endOf(client: RpcClient, followed: Job): Promise<number> {
  let shown: { job: Job; attempts: Attempt[] } | null = null;
  try {
    shown = await client.call('show', { id: followed.id });
  } catch (err) {
    if (err instanceof QueueError && err.code === 'NOT_RUNNING') {
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
