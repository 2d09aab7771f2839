import { colorState } from './output.js';
import { describeEnd } from './job-exit.js';
import type { JobWaiter, Target } from './wait-for-jobs.js';

/**
 * What `wait` shows while it waits, on stdout:
 * - `tty`: one line redrawn in place: a bar with done/total, failures and running jobs (for one job: its
 *   state); each job that ends other than completed is printed above it; at the end the line gives way to
 *   a summary (several jobs) or the job's end (one job);
 * - `plain` (stdout is not a terminal): one line per job as it ends, `<id> <state> ...`, with
 *   `[done/total done, failed failed]` after it when there are several jobs;
 * - `none` (--json): nothing.
 */
export type ProgressMode = 'tty' | 'plain' | 'none';

const REDRAW_MS = 80;
const ERASE = '\r\x1b[2K';

export class WaitProgress {
  private drawn = false;
  /** What the drawn line shows. */
  private line = '';
  private timer: NodeJS.Timeout | null = null;
  private waiter: JobWaiter | null = null;

  constructor(private readonly mode: ProgressMode) {}

  attach(waiter: JobWaiter): void {
    this.waiter = waiter;
  }

  /** A job ended. */
  ended(t: Target): void {
    if (this.mode === 'none' || !this.waiter) return;
    const tally = this.waiter.tally();
    const text = colorLine(t);
    if (this.mode === 'plain') {
      process.stdout.write(tally.total > 1 ? `${text}  [${tally.done}/${tally.total} done, ${tally.failed} failed]\n` : `${text}\n`);
      return;
    }
    // On a terminal only failures get a line of their own (the bar counts the rest); one job: its end, at finish.
    const completed = t.end === 'finished' && t.job?.state === 'completed';
    if (tally.total > 1 && !completed) {
      this.erase();
      process.stdout.write(`${text}\n`);
    }
    this.changed();
  }

  /** Something the bar shows changed: redraw soon (at most every REDRAW_MS). */
  changed(): void {
    if (this.mode !== 'tty') return;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.draw();
    }, REDRAW_MS);
  }

  /** The first drawing, once the jobs are known. */
  start(): void {
    if (this.mode !== 'tty' || !this.waiter) return;
    const tally = this.waiter.tally();
    if (tally.done < tally.total) this.draw();
  }

  /** The wait is over: the line gives way to the summary. */
  finish(): void {
    this.stopTimer();
    if (this.mode !== 'tty' || !this.waiter) return;
    this.erase();
    const targets = this.waiter.list();
    if (targets.length === 1) {
      const t = targets[0]!;
      if (t.end) process.stdout.write(`${colorLine(t)}\n`);
      return;
    }
    const tally = this.waiter.tally();
    const states = new Map<string, number>();
    for (const t of targets) {
      const key = t.end === 'removed' ? 'removed' : t.end === 'finished' ? t.job!.state : 'not finished';
      states.set(key, (states.get(key) ?? 0) + 1);
    }
    const parts = [...states].map(([state, n]) => `${n} ${state === 'removed' || state === 'not finished' ? state : colorState(state as never)}`);
    process.stdout.write(`${tally.total} jobs: ${parts.join(', ')}\n`);
  }

  /** Ctrl-C or an error: leave the terminal line clean. */
  abort(): void {
    this.stopTimer();
    if (this.mode === 'tty') this.erase();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private erase(): void {
    if (!this.drawn) return;
    process.stdout.write(ERASE);
    this.drawn = false;
  }

  private draw(): void {
    if (!this.waiter) return;
    const tally = this.waiter.tally();
    const cols = process.stdout.columns || 80;
    let line: string;
    if (tally.total === 1) {
      const t = this.waiter.list()[0]!;
      line = `waiting for ${t.id} (${t.job ? t.job.state : 'pending'})`;
    } else {
      const counts = `${tally.done}/${tally.total} done, ${tally.failed} failed, ${tally.running} running`;
      const width = Math.max(0, Math.min(30, cols - counts.length - 4));
      const full = tally.total === 0 ? width : Math.round((width * tally.done) / tally.total);
      line = width > 0 ? `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${counts}` : counts;
    }
    if (line.length > cols - 1) line = line.slice(0, Math.max(0, cols - 2)) + '…';
    if (this.drawn && line === this.line) return;
    process.stdout.write(ERASE + line);
    this.line = line;
    this.drawn = true;
  }
}

/** describeEnd with the state coloured (on a terminal without NO_COLOR). */
function colorLine(t: Target): string {
  const text = describeEnd(t);
  if (t.end !== 'finished' || !t.job) return text;
  const state = t.job.state;
  return text.replace(` ${state}`, ` ${colorState(state)}`);
}
