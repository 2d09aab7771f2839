import { EVENT_NOTIFICATION, QueueError, type QueueEvent } from '../protocol/index.js';
import { connectDaemon } from './client.js';
import { EXIT, unresponsive } from './errors.js';
import { terminalHeight, terminalWidth } from './format.js';
import { dim } from './output.js';
import { noteQueues, renderStatus, stateFromStatus, summaryJson, summaryLine, type StatusState } from './status-view.js';
import { applyHealth, followsHealth, HEALTH_POLL_MS, OUTAGE_POLL_MS } from './status-watch-health.js';
import { MIN_FRAME_MS, Screen } from './watch-screen.js';

/**
 * `queuectl status --watch`: the status summary kept current by the daemon's pushed events (no polling):
 * `events.subscribe {jobs: true}` brings counts and workers with every change (JobsEvent), pause/resume
 * (queue events) and a graceful stop beginning (stopping event); `stats` is read again only when a change
 * can have added or altered a failure.
 *
 * - On a terminal: a full-screen view redrawn in place, at most 5 times a second, until Ctrl-C (exit 0).
 *   A clock ticks once a second to age the times shown; it reads nothing from the daemon.
 * - Not on a terminal (a pipe, a file, TERM=dumb): one plain line per change (`summaryLine`), nothing
 *   printed when nothing shown changed; with --json one JSON document per line instead, on a terminal too.
 * - A store on a server (PostgreSQL) going out of reach does not end it: it shows "store unavailable since …"
 *   as plain `status` does (the workers still shown), and the counts again once the store answers, by itself;
 *   `status` is asked for that (cli/status-watch-health.ts), as no event tells it.
 * - When the daemon goes away: a message on stderr, exit 3. When it stops answering (the connection's
 *   pings go unanswered: protocol/node/client.ts): its DaemonUnavailable, naming its pid (exit 3).
 */
export async function watchStatus(opts: { json: boolean }): Promise<number> {
  const client = await connectDaemon('status --watch');
  const out = process.stdout;
  const fullScreen = !opts.json && out.isTTY === true && process.env.TERM !== 'dumb';

  let state: StatusState | null = null;
  const events: QueueEvent[] = [];
  const apply = (event: QueueEvent): void => {
    if (!state) {
      events.push(event);
      return;
    }
    if (event.type === 'jobs') {
      state.counts = event.counts;
      state.workers = event.workers;
      noteQueues(state, event.jobs);
      // Its counts were read from the store: it answers again.
      if (!state.store.available) readHealth();
      else if (event.truncated || event.jobs.some((j) => j.attempts > 0 || j.state === 'failed' || j.state === 'dead' || state!.failures?.some((f) => f.job_id === j.id))) {
        refreshFailures();
      }
    } else if (event.type === 'queue') {
      state.paused = event.paused;
      state.pausedSince = event.paused_since;
      state.queues = event.queues;
    } else if (event.type === 'stopping') {
      state.stopping = true;
    }
    changed();
  };

  // Failures: one stats call at a time; changes while one is under way ask for one more after it.
  let reading = false;
  let readAgain = false;
  let lastRead = 0;
  let readTimer: NodeJS.Timeout | null = null;
  const refreshFailures = (): void => {
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    const wait = Math.max(0, lastRead + 2 * MIN_FRAME_MS - Date.now());
    readTimer = setTimeout(() => {
      readTimer = null;
      lastRead = Date.now();
      client.call('stats', {}).then(
        (stats) => {
          reading = false;
          if (state) state.failures = stats.recent_failures;
          changed();
          if (readAgain) {
            readAgain = false;
            refreshFailures();
          }
        },
        (err: unknown) => {
          reading = false;
          if (isStoreFault(err)) readHealth();
        },
      );
    }, wait);
  };

  // The store's health (a server store only): one `status` at a time, then the next after its interval.
  let healthTimer: NodeJS.Timeout | null = null;
  let readingHealth = false;
  const readHealth = (): void => {
    if (healthTimer) clearTimeout(healthTimer);
    healthTimer = null;
    if (readingHealth || done) return;
    readingHealth = true;
    client.call('status', {}).then(
      (status) => {
        readingHealth = false;
        if (!state || done) return;
        if (applyHealth(state, status) === 'back') refreshFailures();
        changed();
        scheduleHealth();
      },
      // The daemon gone or not answering ends the watch (client.closed()); anything else: try again later.
      () => {
        readingHealth = false;
        scheduleHealth();
      },
    );
  };
  const scheduleHealth = (): void => {
    if (done || !state || !followsHealth(state)) return;
    healthTimer ??= setTimeout(readHealth, state.store.available ? HEALTH_POLL_MS : OUTAGE_POLL_MS);
  };

  // Plain lines / JSON lines: printed when what they show changed, at most 5 a second.
  let lastPrinted = '';
  let lineTimer: NodeJS.Timeout | null = null;
  let lastLineAt = 0;
  const printIfChanged = (): void => {
    lineTimer = null;
    lastLineAt = Date.now();
    if (!state) return;
    const now = Date.now();
    const doc = opts.json ? summaryJson(state, now) : null;
    const key = doc ? JSON.stringify({ ...doc, time: null }) : summaryLine(state, 0);
    if (key === lastPrinted) return;
    lastPrinted = key;
    out.write((doc ? JSON.stringify(doc) : summaryLine(state, now)) + '\n');
  };

  const screen = fullScreen
    ? new Screen(out, () => {
        const lines = renderStatus(state!, { now: Date.now(), width: terminalWidth(), height: null, maxFailures: 5 });
        const footer = dim(`live · redrawn on every change · Ctrl-C to quit`);
        const all = [...lines, '', footer];
        const height = terminalHeight();
        if (height > 0 && all.length > height) {
          return [...renderStatus(state!, { now: Date.now(), width: terminalWidth(), height: Math.max(1, height - 2), maxFailures: 5 }), '', footer].slice(0, height);
        }
        return all;
      })
    : null;

  const changed = (): void => {
    if (!state) return;
    if (screen) return screen.schedule();
    lineTimer ??= setTimeout(printIfChanged, Math.max(0, lastLineAt + MIN_FRAME_MS - Date.now()));
  };

  client.onNotification = (n) => {
    if (n.method === EVENT_NOTIFICATION) apply(n.params as QueueEvent);
  };

  // How it ends: Ctrl-C (or a stop signal) → 0; the daemon gone → 3.
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const onSignal = (): void => finish(EXIT.ok);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // Ctrl-Z: give the shell its screen and cursor back while stopped; redraw on fg.
  const onStop = (): void => {
    screen?.leave();
    process.kill(process.pid, 'SIGSTOP');
  };
  const onContinue = (): void => {
    if (!screen || !state || done) return;
    screen.enter();
    screen.draw();
  };
  if (screen) {
    process.on('SIGTSTP', onStop);
    process.on('SIGCONT', onContinue);
  }
  let done = false;
  void client.closed().then(() => {
    if (!done) finish(EXIT.notRunning);
  });

  let tick: NodeJS.Timeout | null = null;
  try {
    // Subscribed first, then read: no change between the read and the subscription is missed.
    await client.call('events.subscribe', { jobs: true });
    // `stats` reads the store: out of reach, it fails and the summary has no failures (as plain `status`).
    const [status, stats] = await Promise.all([
      client.call('status', {}),
      client.call('stats', {}).catch((err: unknown) => {
        if (isStoreFault(err)) return null;
        throw err;
      }),
    ]);
    state = stateFromStatus(status);
    state.failures = status.store.available ? (stats?.recent_failures ?? null) : null;
    for (const event of events.splice(0)) apply(event);
    if (state.store.available && !stats) readHealth();
    else scheduleHealth();
    if (screen) {
      screen.enter();
      screen.draw();
      // Ages "up 5m", "12s" and "3m ago" between changes; reads nothing from the daemon.
      tick = setInterval(() => screen.schedule(), 1000);
    } else {
      printIfChanged();
    }
  } catch (err) {
    done = true;
    cleanup();
    throw err;
  }

  const code = await finished;
  done = true;
  cleanup();
  const hung = code === EXIT.notRunning ? unresponsive(client.failure) : null;
  if (hung) throw hung;
  if (code === EXIT.notRunning) {
    process.stderr.write(`queuectl: error: the daemon went away (it stopped or was killed); status --watch ended\n`);
  }
  return code;

  function cleanup(): void {
    if (tick) clearInterval(tick);
    if (lineTimer) clearTimeout(lineTimer);
    if (readTimer) clearTimeout(readTimer);
    if (healthTimer) clearTimeout(healthTimer);
    screen?.leave();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGTSTP', onStop);
    process.off('SIGCONT', onContinue);
    client.onNotification = null;
    client.close();
  }
}

/** The daemon answered that its store is out of reach ("store unavailable: …"). */
function isStoreFault(err: unknown): boolean {
  return err instanceof QueueError && err.code === 'STORAGE_ERROR';
}
