import { JOB_LIMITS, MAX_BATCH_JOBS, MAX_FRAME_BYTES, MAX_HELD_JOBS, QueueError, type CanceledAtEnqueue, type EnqueueBatchParams, type JobSpec } from '../../protocol/index.js';
import type { QueueCaller } from '../client.js';
import { usageError } from '../errors.js';

/** Roughly how much JSON one batch may carry, well under the frame cap. */
const BATCH_BYTES = Math.floor(MAX_FRAME_BYTES / 2);

/**
 * Reads jobs from stdin, one per line: a shell command, or a JSON job spec (NDJSON). Blank lines are skipped.
 * Every line is checked before anything is sent, so a bad line enqueues nothing.
 */
export async function readStdinSpecs(toSpec: (text: string, line: number) => JobSpec): Promise<JobSpec[]> {
  if (process.stdin.isTTY) throw usageError('--stdin reads jobs from a pipe or file, e.g. queuectl enqueue --stdin < jobs.txt');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const input = Buffer.concat(chunks);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const specs: JobSpec[] = [];
  let start = 0;
  let line = 0;
  while (start < input.length) {
    let end = input.indexOf(0x0a, start);
    if (end === -1) end = input.length;
    line++;
    const bytes = input.subarray(start, end);
    start = end + 1;
    if (bytes.length > JOB_LIMITS.commandBytes + 4096) {
      throw usageError(`line ${line}: ${bytes.length} bytes; a command may have at most ${JOB_LIMITS.commandBytes} (put long scripts in a file)`);
    }
    let text: string;
    try {
      text = decoder.decode(bytes).replace(/\r$/, '');
    } catch {
      throw usageError(`line ${line}: not valid UTF-8`);
    }
    if (text.trim() === '') continue;
    try {
      specs.push(toSpec(text, line));
    } catch (err) {
      if (err instanceof QueueError) throw new QueueError(err.code, `line ${line}: ${err.message}`);
      throw err;
    }
  }
  if (specs.length === 0) throw usageError('no jobs on stdin (one command or JSON job spec per line)');
  return specs;
}

/**
 * Sends the jobs in batches under the frame cap, each with `shared` (the environment and umask for jobs
 * without their own). Every batch but the last is only held by the daemon (`more`), and the last stores them
 * all in one transaction, so the whole input is enqueued or none of it; `onStored` then gets every id and the
 * jobs stored already canceled (a parent dead or canceled).
 */
export async function sendInBatches(
  client: QueueCaller,
  specs: JobSpec[],
  lines: number[],
  shared: Omit<EnqueueBatchParams, 'jobs'>,
  onStored: (ids: string[], canceled: CanceledAtEnqueue[]) => void,
): Promise<void> {
  if (specs.length > MAX_HELD_JOBS) {
    throw usageError(`${specs.length} jobs on stdin; at most ${MAX_HELD_JOBS} are enqueued at once, all or none (split the input)`);
  }
  let sent = 0;
  const sharedBytes = Buffer.byteLength(JSON.stringify(shared));
  while (sent < specs.length) {
    const batch: JobSpec[] = [];
    let bytes = sharedBytes;
    while (sent + batch.length < specs.length && batch.length < MAX_BATCH_JOBS) {
      const spec = specs[sent + batch.length]!;
      const size = Buffer.byteLength(JSON.stringify(spec)) + 1;
      if (batch.length > 0 && bytes + size > BATCH_BYTES) break;
      batch.push(spec);
      bytes += size;
    }
    const last = sent + batch.length === specs.length;
    try {
      const { ids, canceled } = await client.call('enqueue.batch', last ? { jobs: batch, ...shared } : { jobs: batch, ...shared, more: true });
      if (last) onStored(ids, canceled);
    } catch (err) {
      if (!(err instanceof QueueError)) throw err;
      // The daemon numbers the jobs from the first one it holds: the whole input.
      const index = typeof err.details.index === 'number' ? err.details.index : null;
      const where = index !== null && lines[index] !== undefined ? `line ${lines[index]}: ` : '';
      let message = err.message.replace(/^job \d+ of the batch: /, '');
      // A parent named before it is enqueued: the other job, too, is named by its line.
      const target = err.details.target;
      if (typeof target === 'number') message = message.replace(`job ${target + 1} of the batch`, `line ${lines[target]}`);
      throw new QueueError(err.code, `${where}${message} (nothing was enqueued)`);
    }
    sent += batch.length;
  }
}
