import {
  DEFAULT_QUEUE,
  JOB_STATES,
  formatDuration,
  type Job,
  type JobState,
  type QueueInfo,
  type RecentFailure,
  type StatusResult,
  type StoreInfo,
  type WorkerInfo,
} from '../protocol/index.js';
import { ago, displayWidth, safeLine, truncate } from './format.js';
import { bold, colorState, dim } from './output.js';

/**
 * The status summary as lines of text: what `status` prints once and `status --watch` redraws. Pure: the
 * same state and clock give the same lines.
 */

/** What the summary shows; `status` fills it from one answer, `status --watch` keeps it current from events. */
export interface StatusState {
  /** The daemon's pid; null when no daemon runs (the command read the store itself). */
  pid: number | null;
  version: string;
  home: string;
  /** Which store runs; display is already masked (a PostgreSQL URL without its password). */
  store: StoreInfo;
  /** When the daemon started, on this machine's clock (epoch ms). */
  startedAt: number;
  stopping: boolean;
  paused: boolean;
  pausedSince: string | null;
  /** Every named queue with its own pause and limit (their counts are not shown: they go stale under --watch). */
  queues: QueueInfo[];
  counts: Record<JobState, number>;
  workers: WorkerInfo[];
  /** Newest failed runs (from `stats`); null when not read. */
  failures: RecentFailure[] | null;
}

export function stateFromStatus(status: StatusResult, receivedAt = Date.now()): StatusState {
  return {
    pid: status.pid,
    version: status.version,
    home: status.home,
    store: status.store,
    startedAt: receivedAt - (status.uptime_ms ?? 0),
    stopping: status.stopping,
    paused: status.paused,
    pausedSince: status.paused_since,
    queues: status.queues,
    counts: { ...status.counts },
    workers: status.workers,
    failures: null,
  };
}

/** `store: sqlite (/home/queuectl.db)` or `store: postgres (postgres://ann:***@db/q)`. */
export function storeLine(store: Pick<StoreInfo, 'kind' | 'display'>): string {
  return `store: ${store.kind} (${safeLine(store.display)})`;
}

/**
 * What replaces the queues and counts while the store cannot be read: since when, why, and that the daemon
 * reconnects (the counts are not shown: they were not read).
 */
export function unavailableLines(store: StoreInfo, now: number): string[] {
  return [
    `${bold('store unavailable')} since ${ago(store.unavailable_since, now)}: ${safeLine(store.last_error ?? '')}`,
    dim('  the daemon keeps running and reconnects; job counts and queues are not shown until it answers'),
  ];
}

export interface RenderOptions {
  now: number;
  /** Lines are cut to this many columns (null: never cut). */
  width: number | null;
  /** At most this many lines in all (null: no limit); workers and failures are shortened to fit. */
  height?: number | null;
  /** How many failures to list. */
  maxFailures?: number;
  /** Add the ready/scheduled line with the queues' latencies (not under --watch: queue figures are not kept current there). */
  waiting?: boolean;
}

/** The summary's lines (without line breaks). */
export function renderStatus(s: StatusState, opts: RenderOptions): string[] {
  const { now } = opts;
  const busy = s.workers.filter((w) => w.job_id).length;
  const head: string[] = [
    `${bold('queuectl')} ${s.version} · pid ${s.pid} · up ${formatDuration(Math.max(0, now - s.startedAt))} · ` +
      `${s.workers.length} ${s.workers.length === 1 ? 'worker' : 'workers'} (${busy} busy)${s.stopping ? ' · ' + bold('stopping') : ''}`,
    dim(s.home),
    storeLine(s.store),
  ];
  if (!s.store.available) {
    head.push(...unavailableLines(s.store, now));
  } else {
    if (s.paused) head.push(`${bold('paused')} ${ago(s.pausedSince, now)}, every queue: no job starts until ${bold('queuectl resume')}; running ones go on`);
    head.push('', ...queueLines(s, now, opts.width));
    const countWidth = Math.max(...JOB_STATES.map((st) => String(s.counts[st] ?? 0).length));
    for (const st of JOB_STATES) head.push(`  ${colorState(st)}${' '.repeat(12 - st.length)}${String(s.counts[st] ?? 0).padStart(countWidth)}`);
    if (opts.waiting) head.push(waitingLine(s.queues));
  }
  head.push('');

  const idWidth = Math.max(0, ...s.workers.map((w) => (w.job_id ?? '').length));
  const workerLines = s.workers.map((w) => {
    const what = w.job_id
      ? `${w.job_id.padEnd(idWidth)}  ${ago(w.since, now).replace(/ ago$/, '').padStart(7)}  ${safeLine(w.command ?? '')}`
      : dim('idle');
    return `  worker ${String(w.id).padEnd(2)} ${what}`;
  });
  if (workerLines.length === 0) workerLines.push(dim('  no workers'));

  const failures = (s.failures ?? []).slice(0, opts.maxFailures ?? 5);
  const failureLines: string[] = [];
  if (failures.length > 0) {
    failureLines.push('', bold('recent failures'));
    const fid = Math.max(...failures.map((f) => f.job_id.length));
    for (const f of failures) {
      // "exit 3", "timed out", "crashed", or for a run with no exit code what the daemon said (e.g. killed by a signal).
      const how =
        f.outcome !== 'failed' ? f.outcome.replace('_', ' ') : f.exit_code !== null ? `exit ${f.exit_code}` : safeLine(f.error ?? 'failed');
      failureLines.push(`  ${f.job_id.padEnd(fid)}  ${ago(f.finished_at, now).padStart(10)}  run ${f.attempt}  ${how}  now ${colorState(f.state)}  ${dim(safeLine(f.command))}`);
    }
  }

  let lines = [...head, ...workerLines, ...failureLines];
  if (opts.height && lines.length > opts.height) {
    // Too tall: failures go first, then workers are shortened to "… N more".
    lines = [...head, ...workerLines];
    if (lines.length > opts.height) {
      const room = Math.max(1, opts.height - head.length - 1);
      const hidden = workerLines.length - room;
      lines = [...head, ...workerLines.slice(0, room), dim(`  … ${hidden} more ${hidden === 1 ? 'worker' : 'workers'}`)].slice(0, opts.height);
    } else {
      const room = opts.height - lines.length;
      if (room >= 3) lines.push(...failureLines.slice(0, room));
    }
  }
  return opts.width === null ? lines : lines.map((l) => (displayWidth(l) > opts.width! ? truncate(l, opts.width!) : l));
}

/** Most queues named on the waiting line. */
const MAX_LATENCY_NAMES = 3;

/**
 * "3 ready, 1 scheduled · waited longest: gpu 4m 05s, default 1.2s": pending and failed jobs split as
 * `queue list` splits them, then the queues with ready jobs, longest latency first.
 */
export function waitingLine(queues: readonly QueueInfo[]): string {
  const ready = queues.reduce((n, q) => n + q.ready, 0);
  const scheduled = queues.reduce((n, q) => n + q.scheduled, 0);
  const waiting = queues.filter((q) => q.oldest_ready_at !== null).sort((a, b) => b.latency_ms - a.latency_ms);
  const named = waiting.slice(0, MAX_LATENCY_NAMES).map((q) => `${q.name} ${formatDuration(q.latency_ms)}`);
  if (waiting.length > MAX_LATENCY_NAMES) named.push(`… ${waiting.length - MAX_LATENCY_NAMES} more`);
  return `  ${ready} ready, ${scheduled} scheduled${named.length > 0 ? ` ${dim('· waited longest:')} ${named.join(', ')}` : ''}`;
}

/** Most paused or limited queues listed one per line; more are counted ("… N more"). */
const MAX_QUEUE_LINES = 6;
/** Most names on the line of queues that run freely. */
const MAX_FREE_NAMES = 10;
/** A long queue name is cut (with "…") before what is said about it, but never below this many columns... */
const MIN_NAME_WIDTH = 12;
/** ...or below this share of the line. */
const NAME_SHARE = 0.3;

/** Why a paused queue holds its jobs and how to start it again: "paused 3m ago: job x went dead — queuectl resume --queue gpu". */
export function pausedText(q: QueueInfo, now: number): string {
  return `${bold('paused')} ${ago(q.paused_since, now)}${q.paused_reason ? `: ${safeLine(q.paused_reason)}` : ''} — queuectl resume --queue ${q.name}`;
}

/**
 * The queues block: nothing while the default queue is the only one and runs freely; otherwise each paused
 * or limited queue on its line, then the others on one line, then an empty line. Names that do not fit
 * beside what is said about them are cut, not the detail (the pause and its reason come first in it).
 */
function queueLines(s: StatusState, now: number, width: number | null): string[] {
  const notable = s.queues.filter((q) => q.paused || q.parallel !== null);
  if (notable.length === 0 && s.queues.every((q) => q.name === DEFAULT_QUEUE)) return [];
  const workers = s.workers.length;
  const shown = notable.slice(0, MAX_QUEUE_LINES).map((q) => {
    const parts: string[] = [];
    if (q.paused) parts.push(pausedText(q, now));
    if (q.parallel !== null) parts.push(`at most ${q.parallel} at once${q.parallel > workers ? ` (${workers} ${workers === 1 ? 'worker' : 'workers'})` : ''}`);
    if (q.pause_on_dead) parts.push('pauses when a job goes dead');
    return { name: q.name, detail: parts.join(' · ') };
  });
  const longest = Math.max(0, ...shown.map((l) => l.name.length));
  let nameWidth = longest;
  if (width !== null) {
    const room = width - 4 - Math.max(0, ...shown.map((l) => displayWidth(l.detail)));
    const floor = Math.min(longest, Math.max(MIN_NAME_WIDTH, Math.floor(width * NAME_SHARE)));
    nameWidth = Math.min(longest, Math.max(room, floor));
  }
  const lines = [bold('queues')];
  for (const { name, detail } of shown) lines.push(`  ${truncate(name, nameWidth).padEnd(nameWidth)}  ${detail}`);
  if (notable.length > MAX_QUEUE_LINES) lines.push(dim(`  … ${notable.length - MAX_QUEUE_LINES} more paused or limited (queuectl queue list)`));
  const others = s.queues.filter((q) => !notable.includes(q)).map((q) => q.name);
  if (others.length > 0) {
    const named = others.slice(0, MAX_FREE_NAMES).join(', ') + (others.length > MAX_FREE_NAMES ? `, … ${others.length - MAX_FREE_NAMES} more` : '');
    lines.push(`  ${dim(`${notable.length > 0 ? 'others' : 'all'} run freely:`)} ${named}`);
  }
  lines.push('');
  return lines;
}

/**
 * Under --watch a job event can name a queue created since the last read (a job named it): it is added
 * with default settings (running, no limit), as the daemon created it.
 */
export function noteQueues(s: StatusState, jobs: readonly Job[]): void {
  for (const job of jobs) {
    if (s.queues.some((q) => q.name === job.queue)) continue;
    const counts = Object.fromEntries(JOB_STATES.map((st) => [st, 0])) as Record<JobState, number>;
    s.queues = [...s.queues, { name: job.queue, paused: false, paused_since: null, paused_reason: null, parallel: null, pause_on_dead: false, counts, ready: 0, scheduled: 0, oldest_ready_at: null, latency_ms: 0 }].sort(
      (a, b) => Number(a.name !== DEFAULT_QUEUE) - Number(b.name !== DEFAULT_QUEUE) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  }
}

/**
 * One line per change for a pipe (status --watch without a terminal): the time, the counts, busy workers,
 * paused. While the store is out of reach, `store=unavailable since=<ISO>` stands where the counts and the
 * pause would be (they were not read).
 */
export function summaryLine(s: StatusState, now: number): string {
  const busy = s.workers.filter((w) => w.job_id).length;
  const time = new Date(now).toISOString();
  const stopping = s.stopping ? ' stopping=yes' : '';
  if (!s.store.available) return `${time} store=unavailable since=${s.store.unavailable_since ?? '?'} busy=${busy}/${s.workers.length}${stopping}`;
  const counts = JOB_STATES.map((st) => `${st}=${s.counts[st] ?? 0}`).join(' ');
  const held = s.queues.filter((q) => q.paused).map((q) => q.name);
  return `${time} ${counts} busy=${busy}/${s.workers.length} paused=${s.paused ? 'yes' : 'no'}${held.length > 0 ? ` paused_queues=${held.join(',')}` : ''}${stopping}`;
}

/** The JSON document per change for `status --watch --json` (one per line). */
export function summaryJson(s: StatusState, now: number): Record<string, unknown> {
  return {
    time: new Date(now).toISOString(),
    pid: s.pid,
    store: s.store,
    paused: s.paused,
    paused_since: s.pausedSince,
    // Settings and pause only: per-queue counts are not kept current between reads.
    queues: s.queues.map((q) => ({
      name: q.name,
      paused: q.paused,
      paused_since: q.paused_since,
      paused_reason: q.paused_reason,
      parallel: q.parallel,
      pause_on_dead: q.pause_on_dead,
    })),
    stopping: s.stopping,
    counts: s.counts,
    workers: s.workers,
    recent_failures: s.failures ?? [],
  };
}
