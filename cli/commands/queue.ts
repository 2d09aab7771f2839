import { InvalidArgumentError, type Command } from 'commander';
import { QUEUE_LIMITS, QUEUE_NAME_PATTERN, formatDuration, type QueueInfo, type QueueSetParams } from '../../protocol/index.js';
import { withClient, type QueueCaller } from '../client.js';
import { usageError } from '../errors.js';
import { ago, safeLine } from '../format.js';
import { note, printJson, printLine } from '../output.js';
import { printFitted } from '../table.js';

/** Option and argument parser for a queue name: refused here (exit 2) before any daemon is asked. */
export function queueName(raw: string): string {
  if (!QUEUE_NAME_PATTERN.test(raw)) {
    throw new InvalidArgumentError(`a queue name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(raw)}.`);
  }
  return raw;
}

/**
 * `--parallel <n|all>`: 1..QUEUE_LIMITS.parallel, or "all" (no limit but the worker count; sent as null).
 * Not null itself: commander turns a parser's null into `true`.
 */
export function parallelLimit(raw: string): number | 'all' {
  const text = raw.trim();
  if (text.toLowerCase() === 'all') return 'all';
  if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(`expected a whole number from 1 to ${QUEUE_LIMITS.parallel}, or "all" for no limit; got "${raw}".`);
  const n = Number(text);
  if (n < 1 || n > QUEUE_LIMITS.parallel) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${QUEUE_LIMITS.parallel}, or "all" for no limit; got ${raw}.`);
  }
  return n;
}

/** A queue's limit for people: "all", "2", or "8 (4 workers)" when the worker count is what really caps it. */
export function parallelText(parallel: number | null, workers: number): string {
  if (parallel === null) return 'all';
  return parallel > workers ? `${parallel} (${workers} ${workers === 1 ? 'worker' : 'workers'})` : String(parallel);
}

/** `queuectl queue list` / `queue set`: named queues, their limits and automatic pause. */
export function registerQueue(program: Command): void {
  const queue = program
    .command('queue')
    .description('named queues: list them with their jobs, set how many of their jobs run at once and whether a dead job pauses them');

  queue
    .command('list')
    .description(
      'every queue: running or paused (and why, when it paused itself), its limit, pause on dead, its jobs (ready: could start now; ' +
        'scheduled: waiting for their time, a retry or a parent; failed: waiting to be retried, counted in one of those) ' +
        'and its latency: how long its oldest ready job has waited',
    )
    .option('--wide', 'do not fit the table to the terminal width')
    .option('--json', 'print as JSON (every state counted)')
    .action(async (opts: { wide?: boolean; json?: boolean }) => {
      const [{ queues }, status, workers] = await withClient((c) => Promise.all([c.call('queue.list', {}), c.call('status', {}), workerCount(c)]));
      if (opts.json) return printJson({ queues });
      printQueues(queues, workers, opts.wide === true);
      if (status.paused) note(`every queue is held by queuectl pause (since ${ago(status.paused_since)}); queuectl resume starts them again`);
    });

  queue
    .command('set')
    .description('change a queue\'s settings (creating the queue if no job named it yet); applied at once, running jobs go on')
    .argument('<name>', 'the queue', queueName)
    .option('--parallel <n|all>', `at most n of its jobs run at once (1-${QUEUE_LIMITS.parallel}); "all": no limit but the worker count`, parallelLimit)
    .option('--pause-on-dead', 'pause the queue when one of its jobs goes dead (queuectl resume --queue <name> starts it again)')
    .option('--no-pause-on-dead', 'do not pause it when a job goes dead (the default)')
    .option('--json', 'print the queue and whether it was created as JSON')
    .action(async (name: string, opts: { parallel?: number | 'all'; pauseOnDead?: boolean; json?: boolean }) => {
      const params: QueueSetParams = { name };
      if (opts.parallel !== undefined) params.parallel = opts.parallel === 'all' ? null : opts.parallel;
      if (opts.pauseOnDead !== undefined) params.pause_on_dead = opts.pauseOnDead;
      if (params.parallel === undefined && params.pause_on_dead === undefined) {
        throw usageError('queue set needs at least one setting: --parallel <n|all>, --pause-on-dead or --no-pause-on-dead');
      }
      const [result, workers] = await withClient(async (c) => [await c.call('queue.set', params), await workerCount(c)] as const);
      if (opts.json) return printJson(result);
      const q = result.queue;
      const paused = q.paused ? `, paused${q.paused_reason ? ` (${safeLine(q.paused_reason)})` : ''}` : '';
      printLine(`${q.name}: parallel ${parallelText(q.parallel, workers)}, pause on dead ${onOff(q.pause_on_dead)}${paused}`);
      if (result.created) note(`queuectl: created queue ${q.name}`);
      if (q.parallel !== null && q.parallel > workers) {
        note(`queuectl: only ${workers} ${workers === 1 ? 'worker runs' : 'workers run'} jobs, so at most ${workers} of them run at once (queuectl config set workers <n>)`);
      }
    });
}

/**
 * How many jobs can run at once: the running daemon's workers, or with none running (the command works on the
 * store itself) the `workers` setting the next daemon starts with.
 */
async function workerCount(c: QueueCaller): Promise<number> {
  const status = await c.call('status', {});
  if (status.daemon_running) return status.workers.length;
  const { entry } = await c.call('config.get', { key: 'workers' });
  return Number(entry.value);
}

/** pause_on_dead as `queue set` and `queue list` both say it. */
export function onOff(flag: boolean): string {
  return flag ? 'on' : 'off';
}

/** How long ago something was paused: "3m 05s ago", "just now". */
export function since(iso: string | null, now = Date.now()): string {
  const text = ago(iso, now);
  return text === 'now' ? 'just now' : text;
}

/** A queue's latency for people: how long its oldest ready job has waited ("4m 05s"), "-" when none is ready. */
export function latencyText(q: QueueInfo): string {
  return q.oldest_ready_at === null ? '-' : formatDuration(q.latency_ms);
}

/** The `queue list` table. */
function printQueues(queues: readonly QueueInfo[], workers: number, wide: boolean): void {
  const now = Date.now();
  printFitted(
    [
      { header: 'QUEUE', shrinkTo: 12 },
      // "paused 3m ago: job x went dead": the reason is cut first on a narrow terminal.
      { header: 'STATE', shrinkTo: 16 },
      { header: 'PARALLEL' },
      { header: 'PAUSE ON DEAD', dropOrder: 1 },
      { header: 'READY', align: 'right' },
      { header: 'SCHEDULED', align: 'right', dropOrder: 3 },
      { header: 'RUNNING', align: 'right' },
      { header: 'FAILED', align: 'right', dropOrder: 2 },
      { header: 'DEAD', align: 'right' },
      { header: 'LATENCY', align: 'right' },
    ],
    queues.map((q) => [
      q.name,
      q.paused ? `paused ${since(q.paused_since, now)}${q.paused_reason ? `: ${safeLine(q.paused_reason)}` : ''}` : 'running',
      parallelText(q.parallel, workers),
      onOff(q.pause_on_dead),
      String(q.ready),
      String(q.scheduled),
      String(q.counts.processing),
      String(q.counts.failed),
      String(q.counts.dead),
      latencyText(q),
    ]),
    wide,
  );
}
