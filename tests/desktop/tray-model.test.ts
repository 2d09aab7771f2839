import { describe, expect, it } from 'vitest';
import type { Job, JobsEvent, JobState, QueueInfo } from '../../protocol/index.js';
import { job } from './fixtures/jobs.js';
import { digestJobsEvent, SeenChanges } from '../../electron/main/job-digest.js';
import {
  actionAllowed,
  initialTrayState,
  LONG_JOB_LABEL,
  trayIcon,
  trayMenu,
  trayTooltip,
  withEngineAnswer,
  withJobsEvent,
  withQueueEvent,
  withSeen,
  withStatus,
  type MenuSpec,
  type TrayState,
} from '../../electron/main/tray-model.js';

const TOGGLES = { notifyDead: true, notifyCompleted: true, launchAtLogin: false, closeToTray: true, hideDockIcon: true };

const counts = (c: Partial<Record<JobState, number>>): Record<JobState, number> => ({
  pending: 0,
  processing: 0,
  completed: 0,
  failed: 0,
  dead: 0,
  canceled: 0,
  ...c,
});

const workers = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, pid: 100 + i, job_id: null, command: null, since: null }));

const event = (c: Partial<Record<JobState, number>>, jobs: Job[] = [], extra: Partial<JobsEvent> = {}): JobsEvent => ({
  type: 'jobs',
  jobs,
  truncated: false,
  counts: counts(c),
  workers: workers(2),
  ...extra,
});

const state = (c: Partial<Record<JobState, number>>, extra: Partial<TrayState> = {}): TrayState => ({
  ...initialTrayState(TOGGLES),
  counts: counts(c),
  workers: 2,
  ...extra,
});

function flat(menu: MenuSpec[]): MenuSpec[] {
  return menu.flatMap((m) => (m.kind === 'submenu' ? [m, ...flat(m.items)] : [m]));
}
const labelled = (menu: MenuSpec[], label: string | RegExp) =>
  flat(menu).find((m) => m.kind !== 'separator' && (typeof label === 'string' ? m.label === label : label.test(m.label)));

describe('tray model: counts → icon, tooltip, menu', () => {
  it('the tooltip reads "3 running · 5 pending · 2 dead" (pending includes failed jobs waiting to retry)', () => {
    expect(trayTooltip(state({ processing: 3, pending: 4, failed: 1, dead: 2, completed: 9 }))).toBe('3 running · 5 pending · 2 dead');
    expect(trayTooltip(state({}, { paused: true }))).toBe('0 running · 0 pending · 0 dead · paused');
    expect(trayTooltip(state({}, { stopping: true, paused: true }))).toBe('0 running · 0 pending · 0 dead · stopping');
  });

  it('icon: idle with nothing running, busy while jobs run, attention once a dead job appeared, until seen', () => {
    expect(trayIcon(state({ pending: 5 }))).toBe('idle');
    expect(trayIcon(state({ processing: 1 }))).toBe('busy');
    // Old dead jobs alone are no news: attention comes from dead jobs that appeared since last seen.
    expect(trayIcon(state({ dead: 4 }))).toBe('idle');
    const s = state({ processing: 1, dead: 1 }, { unseenDead: 1 });
    expect(trayIcon(s)).toBe('attention');
    expect(trayIcon(withSeen(s))).toBe('busy');
  });

  it('a JobsEvent updates counts and workers, and counts each newly dead job once', () => {
    const seen = new SeenChanges();
    let s = withStatus(initialTrayState(TOGGLES), { counts: counts({ pending: 2 }), workers: workers(3), stopping: false, paused: false, queues: [] });
    expect(s.workers).toBe(3);
    const e1 = event({ processing: 1, dead: 1 }, [job('a1', 'dead'), job('b2', 'processing')]);
    s = withJobsEvent(s, e1, digestJobsEvent(e1, seen, s.counts.dead));
    expect(s.unseenDead).toBe(1);
    expect(s.counts.processing).toBe(1);
    expect(s.workers).toBe(2);
    // The same change seen again (a repeated event) is not news twice.
    s = withJobsEvent(s, e1, digestJobsEvent(e1, seen, s.counts.dead));
    expect(s.unseenDead).toBe(1);
  });

  it('a truncated event still counts the dead jobs it could not list, from the rise of the dead count', () => {
    const seen = new SeenChanges();
    const e = event({ dead: 12 }, [job('x1', 'dead')], { truncated: true });
    const digest = digestJobsEvent(e, seen, 2);
    expect(digest.newlyDead.map((j) => j.id)).toEqual(['x1']);
    expect(digest.uncountedDead).toBe(9);
    expect(withJobsEvent(state({ dead: 2 }), e, digest).unseenDead).toBe(10);
  });

  it('each completion is news once (notify-rules.ts decides whether the user hears of it)', () => {
    const seen = new SeenChanges();
    const e = event({ completed: 2 }, [job('c1', 'completed'), { ...job('c2', 'completed'), notify: true } as Job, job('p', 'pending')]);
    expect(digestJobsEvent(e, seen, 0).newlyCompleted.map((j) => j.id)).toEqual(['c1', 'c2']);
    expect(digestJobsEvent(e, seen, 0).newlyCompleted).toEqual([]);
  });

  it('the menu: counts line, Open dashboard, Pause/Resume, Workers 1–8, Retry all dead, Preferences, Quit', () => {
    const menu = trayMenu(state({ processing: 3, pending: 5, dead: 2 }, { paused: false }));
    const top = menu.flatMap((m) => (m.kind === 'separator' ? [] : [m.label]));
    expect(top).toEqual(['3 running · 5 pending · 2 dead', 'Open dashboard', 'Pause all queues', 'Workers', 'Retry all dead (2)', 'Preferences', 'Quit queuectl']);
    expect(menu[0]).toMatchObject({ kind: 'item', enabled: false, action: null });
    expect(labelled(menu, 'Open dashboard')).toMatchObject({ enabled: true, action: { type: 'open', route: null } });
    expect(labelled(menu, 'Retry all dead (2)')).toMatchObject({ enabled: true, action: { type: 'retry-dead' } });
    expect(labelled(menu, 'Quit queuectl')).toMatchObject({ action: { type: 'quit' } });
  });

  it('Workers offers 1–8 as radio items with the pool size checked; a larger pool is listed too', () => {
    const workersMenu = (n: number) => {
      const sub = trayMenu(state({}, { workers: n })).find((m) => m.kind === 'submenu' && m.label === 'Workers');
      return sub && sub.kind === 'submenu' ? sub.items : [];
    };
    const items = workersMenu(3);
    expect(items.map((m) => (m.kind === 'radio' ? m.label : '?'))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(items.filter((m) => m.kind === 'radio' && m.checked).map((m) => (m.kind === 'radio' ? m.action : null))).toEqual([{ type: 'workers', count: 3 }]);
    const big = workersMenu(12);
    expect(big).toHaveLength(9);
    expect(big[8]).toMatchObject({ kind: 'radio', label: '12', checked: true });
  });

  it('named queues paused on their own show in the tooltip, from status and from queue events', () => {
    const queue = (name: string, paused: boolean): QueueInfo => ({
      name, paused, paused_since: paused ? '2026-01-01T00:00:00.000Z' : null, paused_reason: null, parallel: null, pause_on_dead: false, counts: counts({}),
      ready: 0, scheduled: 0, oldest_ready_at: null, latency_ms: 0,
    });
    let s = withStatus(state({ pending: 2 }), {
      counts: counts({ pending: 2 }), workers: workers(2), stopping: false, paused: false, queues: [queue('default', false), queue('gpu', true)],
    });
    expect(s.pausedQueues).toEqual(['gpu']);
    expect(trayTooltip(s)).toBe('0 running · 2 pending · 0 dead · gpu paused');
    s = withQueueEvent(s, { type: 'queue', paused: false, paused_since: null, queues: [queue('default', false), queue('gpu', true), queue('io', true)] });
    expect(trayTooltip(s)).toBe('0 running · 2 pending · 0 dead · 2 queues paused');
    // Every queue held says so plainly; the named ones are implied.
    s = withQueueEvent(s, { type: 'queue', paused: true, paused_since: '2026-01-01T00:00:00.000Z', queues: [queue('gpu', true)] });
    expect(trayTooltip(s)).toBe('0 running · 2 pending · 0 dead · paused');
    expect(labelled(trayMenu(s), 'Resume all queues')).toBeDefined();
    s = withQueueEvent(s, { type: 'queue', paused: false, paused_since: null, queues: [queue('gpu', false)] });
    expect(trayTooltip(s)).toBe('0 running · 2 pending · 0 dead');
  });

  it('Pause toggles the queue, and reads Resume when paused', () => {
    expect(labelled(trayMenu(state({}, { paused: false })), 'Pause all queues')).toMatchObject({ enabled: true, action: { type: 'pause-toggle' } });
    expect(labelled(trayMenu(state({}, { paused: true })), 'Resume all queues')).toMatchObject({ enabled: true });
  });

  it('Retry all dead is disabled with no dead jobs; new dead jobs get an item that opens the DLQ', () => {
    expect(labelled(trayMenu(state({})), 'Retry all dead')).toMatchObject({ enabled: false });
    expect(labelled(trayMenu(state({ dead: 3 }, { unseenDead: 2 })), '2 new in the dead-letter queue')).toMatchObject({
      enabled: true,
      action: { type: 'open', route: '#/dlq' },
    });
    expect(labelled(trayMenu(state({ dead: 3 })), /new in the dead-letter queue/)).toBeUndefined();
  });

  it('Preferences are checkboxes whose action sets the opposite value', () => {
    const prefs = flat(trayMenu(state({}))).filter((m) => m.kind === 'checkbox');
    expect(prefs.map((m) => (m.kind === 'checkbox' ? [m.checked, m.action] : null))).toEqual([
      [true, { type: 'toggle', key: 'notifyDead', value: false }],
      [true, { type: 'toggle', key: 'notifyCompleted', value: false }],
      [false, { type: 'toggle', key: 'launchAtLogin', value: true }],
      [true, { type: 'toggle', key: 'closeToTray', value: false }],
    ]);
  });

  it('while stopping, queue actions are disabled and Quit means now', () => {
    const menu = trayMenu(state({ processing: 2, dead: 1 }, { stopping: true, paused: false }));
    expect(labelled(menu, 'Pause all queues')).toMatchObject({ enabled: false });
    expect(labelled(menu, 'Workers')).toMatchObject({ enabled: false });
    expect(labelled(menu, 'Retry all dead (1)')).toMatchObject({ enabled: false });
    expect(labelled(menu, 'Quit now (requeue running jobs)')).toMatchObject({ enabled: true, action: { type: 'quit', now: true } });
    // The plain Quit is not "now": only the Quit now item shortens a stop.
    expect(labelled(trayMenu(state({})), 'Quit queuectl')).toMatchObject({ action: { type: 'quit' } });
    expect((labelled(trayMenu(state({})), 'Quit queuectl') as { action: { now?: boolean } }).action.now).toBeUndefined();
  });

  it('a stop the tray did not ask for (queuectl worker stop) shows once status says so, or an answer is SHUTTING_DOWN', () => {
    const running = state({ processing: 1 });
    const s1 = withStatus(running, { counts: counts({ processing: 1 }), workers: workers(2), stopping: true, paused: false, queues: [] });
    expect(s1.stopping).toBe(true);
    expect(labelled(trayMenu(s1), 'Quit now (requeue running jobs)')).toBeDefined();
    expect(labelled(trayMenu(s1), 'Pause all queues')).toMatchObject({ enabled: false });
    // A later status read never takes it back (the engine does not un-stop).
    expect(withStatus(s1, { counts: counts({}), workers: [], stopping: false, paused: false, queues: [] }).stopping).toBe(true);

    const shutting = { error: { code: -32000, message: 'the daemon is stopping', data: { code: 'SHUTTING_DOWN' as const } } };
    expect(withEngineAnswer(running, shutting).stopping).toBe(true);
    const other = { error: { code: -32000, message: 'nope', data: { code: 'INVALID_STATE' as const } } };
    expect(withEngineAnswer(running, other)).toBe(running);
    expect(withEngineAnswer(running, { result: {} })).toBe(running);
  });

  it('a click from a menu drawn before the stop began is dropped for queue actions; open, quit and preferences still work', () => {
    const stopping = state({ processing: 1, dead: 1 }, { stopping: true });
    expect(actionAllowed(stopping, { type: 'pause-toggle' })).toBe(false);
    expect(actionAllowed(stopping, { type: 'workers', count: 3 })).toBe(false);
    expect(actionAllowed(stopping, { type: 'retry-dead' })).toBe(false);
    expect(actionAllowed(stopping, { type: 'open', route: null })).toBe(true);
    expect(actionAllowed(stopping, { type: 'quit' })).toBe(true);
    expect(actionAllowed(stopping, { type: 'toggle', key: 'notifyDead', value: false })).toBe(true);
    expect(actionAllowed(state({}), { type: 'pause-toggle' })).toBe(true);
  });

  it('launch at login where it cannot work: disabled, unchecked, the reason in its label, and its click dropped', () => {
    const s = { ...state({}), toggles: { ...TOGGLES, launchAtLogin: true }, loginItemUnavailable: 'macOS: needs the packaged app' };
    const item = labelled(trayMenu(s), /^Launch at login/);
    expect(item).toMatchObject({ kind: 'checkbox', label: 'Launch at login (macOS: needs the packaged app)', checked: false, enabled: false });
    expect(actionAllowed(s, { type: 'toggle', key: 'launchAtLogin', value: true })).toBe(false);
    expect(actionAllowed(s, { type: 'toggle', key: 'closeToTray', value: false })).toBe(true);
    expect(initialTrayState(TOGGLES, { loginItemUnavailable: 'why' }).loginItemUnavailable).toBe('why');
    expect(labelled(trayMenu(state({})), 'Launch at login')).toMatchObject({ enabled: true });
  });

  it('no tray host: "keep running in the tray" is disabled with the reason, and its click dropped', () => {
    const s = state({}, { trayHostProblem: 'no StatusNotifier host on this desktop' });
    expect(labelled(trayMenu(s), /^Keep running/)).toMatchObject({ label: 'Keep running in the tray when the window closes (no StatusNotifier host on this desktop)', checked: false, enabled: false });
    expect(actionAllowed(s, { type: 'toggle', key: 'closeToTray', value: true })).toBe(false);
    expect(labelled(trayMenu(state({})), 'Keep running in the tray when the window closes')).toMatchObject({ enabled: true, checked: true });
  });

  it('the Dock preference is offered on macOS only; the long-job threshold is a choice, off by default', () => {
    expect(labelled(trayMenu(state({})), /Dock/)).toBeUndefined();
    expect(labelled(trayMenu(state({}, { dock: true })), 'Hide the Dock icon while the window is closed')).toMatchObject({ checked: true });
    expect(actionAllowed(state({}), { type: 'toggle', key: 'hideDockIcon', value: false })).toBe(false);
    const long = labelled(trayMenu(state({})), LONG_JOB_LABEL);
    expect(long?.kind === 'submenu' && long.items.map((i) => (i.kind === 'radio' ? [i.label, i.checked] : null))).toEqual([
      ['Off', true],
      ['1 min', false],
      ['5 min', false],
      ['15 min', false],
      ['1 hour', false],
    ]);
    const chosen = labelled(trayMenu(state({}, { longJobSeconds: 300 })), LONG_JOB_LABEL);
    expect(chosen?.kind === 'submenu' && chosen.items.find((i) => i.kind === 'radio' && i.checked)).toMatchObject({ label: '5 min', action: { type: 'long-job', seconds: 300 } });
  });

  it('the menu is plain data (it survives JSON, so the e2e test can read it through app.evaluate)', () => {
    const menu = trayMenu(state({ processing: 1, dead: 1 }, { unseenDead: 1, paused: false }));
    expect(JSON.parse(JSON.stringify(menu))).toEqual(menu);
  });
});
