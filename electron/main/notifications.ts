import { formatDuration, type Job } from '../../protocol/index.js';

/**
 * Desktop notifications as data, and the batching that keeps a burst from becoming a storm: a lone event is
 * shown on its own (after a short settle delay, in case more follow), so it can be clicked to open that job;
 * several close together become one summary counting the last minute ("12 jobs failed in the last minute");
 * and after a notification of a kind, the next one of that kind waits at least `minIntervalMs`, so a steady
 * stream of failures shows one summary every few seconds at most.
 * glue/notifier.ts shows what comes out through Electron's Notification.
 */

/**
 * 'dead': a job moved to the dead-letter queue (the "notify on dead jobs" preference). 'finished': a job the
 * user asked to hear about ended, completed or dead (`enqueue --notify`, or the long-job preference); see
 * notify-rules.ts for which kind a job end gets, if any.
 */
export type NotifyKind = 'dead' | 'finished';

export interface NotificationSpec {
  kind: NotifyKind;
  title: string;
  body: string;
  /** Where clicking it opens the dashboard (a hash route). */
  route: string;
}

/** Timers, injectable so tests drive time by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BatcherOptions {
  show(spec: NotificationSpec): void;
  /** Whether the user wants this kind (read at every event and again when showing). */
  enabled(kind: NotifyKind): boolean;
  clock?: Clock;
  /** Wait this long after the first event for others to join it. */
  settleMs?: number;
  /** At least this long between two notifications of one kind. */
  minIntervalMs?: number;
  /** "in the last minute": the span a summary counts over. */
  windowMs?: number;
}

interface KindState {
  held: Job[];
  /** When each event of the last window arrived. */
  recent: number[];
  timer: unknown;
  lastShownAt: number;
}

export class NotificationBatcher {
  private readonly kinds = new Map<NotifyKind, KindState>();
  private readonly clock: Clock;
  private readonly settleMs: number;
  private readonly minIntervalMs: number;
  private readonly windowMs: number;

  constructor(private readonly options: BatcherOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.settleMs = options.settleMs ?? 1500;
    this.minIntervalMs = options.minIntervalMs ?? 10_000;
    this.windowMs = options.windowMs ?? 60_000;
  }

  add(kind: NotifyKind, job: Job): void {
    if (!this.options.enabled(kind)) return;
    const now = this.clock.now();
    const state = this.state(kind);
    state.held.push(job);
    state.recent.push(now);
    if (state.timer !== null) return;
    const delay = Math.max(this.settleMs, state.lastShownAt + this.minIntervalMs - now);
    state.timer = this.clock.setTimeout(() => this.flush(kind), delay);
  }

  /** Drops everything held (the app is quitting). */
  dispose(): void {
    for (const state of this.kinds.values()) {
      if (state.timer !== null) this.clock.clearTimeout(state.timer);
      state.timer = null;
      state.held = [];
    }
  }

  private flush(kind: NotifyKind): void {
    const state = this.state(kind);
    const now = this.clock.now();
    state.timer = null;
    state.recent = state.recent.filter((t) => now - t < this.windowMs);
    const held = state.held;
    state.held = [];
    if (held.length === 0 || !this.options.enabled(kind)) return;
    const latest = held[held.length - 1]!;
    const spec = held.length === 1 ? single(kind, latest) : summary(kind, Math.max(held.length, state.recent.length), latest);
    state.lastShownAt = now;
    this.options.show(spec);
  }

  private state(kind: NotifyKind): KindState {
    let state = this.kinds.get(kind);
    if (!state) {
      state = { held: [], recent: [], timer: null, lastShownAt: -Infinity };
      this.kinds.set(kind, state);
    }
    return state;
  }
}

/** A job as people know it: its name, else its command (shortened), with the id. */
export function jobLabel(job: Job): string {
  const text = job.name ?? job.command.replace(/\s+/g, ' ').trim();
  const short = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  return `${short} (${job.id})`;
}

export function single(kind: NotifyKind, job: Job): NotificationSpec {
  const route = `#/jobs/${encodeURIComponent(job.id)}`;
  const runs = `${job.attempts} ${job.attempts === 1 ? 'run' : 'runs'}`;
  if (kind === 'dead') {
    const why = job.last_error ?? (job.exit_code !== null ? `exit code ${job.exit_code}` : 'it failed');
    return {
      kind,
      title: `Job failed: ${jobLabel(job)}`,
      body: `${why}. Moved to the dead-letter queue after ${runs}.`,
      route,
    };
  }
  const took = runDurationMs(job);
  const facts = [took !== null ? `took ${formatDuration(took)}` : null, job.exit_code !== null ? `exit code ${job.exit_code}` : null].filter(Boolean);
  const said = facts.length > 0 ? `${capitalize(facts.join(' · '))}.` : '';
  if (job.state === 'dead') {
    const why = job.exit_code === null && job.last_error ? `${job.last_error}. ` : '';
    return { kind, title: `Job failed: ${jobLabel(job)}`, body: `${why}${said} In the dead-letter queue after ${runs}.`.trim(), route };
  }
  return { kind, title: `Job completed: ${jobLabel(job)}`, body: said || 'Finished.', route };
}

/** How long the job's last run took, from its start and end times; null when either is missing. */
export function runDurationMs(job: Pick<Job, 'started_at' | 'finished_at'>): number | null {
  if (!job.started_at || !job.finished_at) return null;
  const ms = Date.parse(job.finished_at) - Date.parse(job.started_at);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function summary(kind: NotifyKind, count: number, latest: Job): NotificationSpec {
  if (kind === 'dead') {
    return {
      kind,
      title: `${count} jobs failed in the last minute`,
      body: `They are in the dead-letter queue. The latest: ${jobLabel(latest)}.`,
      route: '#/dlq',
    };
  }
  return {
    kind,
    title: `${count} jobs finished in the last minute`,
    body: `The latest: ${jobLabel(latest)} (${latest.state}).`,
    route: '#/jobs',
  };
}

/**
 * Text as the OS notification service should get it. On Linux (and the other XDG desktops) Electron hands
 * title and body to libnotify, and the freedesktop notification spec lets the server read the body as
 * markup: a bare `&` (`make && ./deploy.sh`) breaks the body on servers that parse it (xfce4-notifyd, mate,
 * dunst with markup on), and `<a href=…>` or `<b>` in a job name or error would render as a link or bold.
 * So there `&`, `<` and `>` in the body become entities. The summary (title) is plain text in the spec, and
 * GNOME Shell, KDE Plasma and dunst show it as such: escaping it would print a literal `&amp;`, so it is left
 * alone. macOS and Windows show both as plain text.
 */
export function forDisplay<T extends { title: string; body: string }>(notification: T, platform: NodeJS.Platform): T {
  if (platform === 'darwin' || platform === 'win32') return notification;
  return { ...notification, body: escapeMarkup(notification.body) };
}

/** `&`, `<`, `>` as the entities the notification spec's markup (a small XML subset) understands. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
