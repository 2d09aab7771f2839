import { describe, expect, it } from 'vitest';
import type { Job, JobsEvent, JobState } from '../../protocol/index.js';
import type { NotificationSpec } from '../../electron/main/notifications.js';
import { noticeFor, type NotifyRules } from '../../electron/main/notify-rules.js';
import { DEFAULT_PREFERENCES, type Preferences, type PreferencesStore } from '../../electron/main/preferences.js';
import { TrayController, type TrayControllerOptions } from '../../electron/main/tray-controller.js';
import type { TrayState } from '../../electron/main/tray-model.js';
import { FakeClock } from './fixtures/clock.js';
import { job } from './fixtures/jobs.js';

/**
 * The tray's controller with a fake engine, icon and notifier (Electron's Tray and Notification cannot exist
 * under Node): what it draws and when, and which job ends become notifications.
 */
function setup(overrides: Partial<TrayControllerOptions> = {}, prefs: Preferences = DEFAULT_PREFERENCES) {
  const clock = new FakeClock();
  const renders: TrayState[] = [];
  const shown: NotificationSpec[] = [];
  const notices: string[] = [];
  let stored = prefs;
  const store: PreferencesStore = { get: () => stored, set: (p) => (stored = p) };
  const counts = { pending: 0, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 0 };
  const tray = new TrayController({
    engine: {
      dispatch: async (_session: unknown, method: string) =>
        method === 'status' ? { result: { counts, workers: [], stopping: false, paused: false, queues: [] } } : { result: {} },
      paused: () => false,
      setPaused: () => undefined,
    } as unknown as TrayControllerOptions['engine'],
    prefs: store,
    loginItemUnavailable: null,
    trayHostProblem: null,
    dock: false,
    createIcon: () => ({ render: (s) => renders.push(s), destroy: () => undefined }),
    notifier: { show: (spec) => shown.push(spec), notice: (title) => notices.push(title) },
    setLoginItem: () => true,
    showDashboard: () => undefined,
    dashboardFocused: () => false,
    quitting: { stopped: () => false, request: async () => undefined, engineStopping: () => undefined },
    log: () => undefined,
    clock,
    ...overrides,
  });
  const push = (jobs: Job[], c: Partial<Record<JobState, number>> = {}): void =>
    tray.session.push({ type: 'jobs', jobs, counts: { ...counts, ...c }, workers: [], truncated: false } as unknown as JobsEvent);
  return { tray, clock, renders, shown, notices, push, prefs: () => stored };
}

const RULES: NotifyRules = { dead: true, requested: true, longJobSeconds: null };
const took = (ms: number) => ({ started_at: '2025-01-01T00:00:00.000Z', finished_at: new Date(Date.parse('2025-01-01T00:00:00.000Z') + ms).toISOString() });
const notify = (j: Job): Job => ({ ...j, notify: true }) as Job;

describe('notification decisions', () => {
  it('--notify: the job is announced when it completes or goes dead', () => {
    expect(noticeFor(notify(job('a', 'completed')), RULES)).toBe('finished');
    expect(noticeFor(notify(job('a', 'dead')), RULES)).toBe('finished');
    expect(noticeFor(notify(job('a', 'processing')), RULES)).toBeNull();
    expect(noticeFor(notify(job('a', 'completed')), { ...RULES, requested: false })).toBeNull();
  });

  it('without --notify: dead jobs as before, completions not at all', () => {
    expect(noticeFor(job('a', 'dead'), RULES)).toBe('dead');
    expect(noticeFor(job('a', 'dead'), { ...RULES, dead: false })).toBeNull();
    expect(noticeFor(job('a', 'completed'), RULES)).toBeNull();
  });

  it('the long-job rule (off by default): any job whose run took at least N seconds, completed or dead', () => {
    expect(DEFAULT_PREFERENCES.notifications.longJobSeconds).toBeNull();
    const rules = { ...RULES, longJobSeconds: 60 };
    expect(noticeFor(job('a', 'completed', took(60_000)), rules)).toBe('finished');
    expect(noticeFor(job('a', 'completed', took(59_999)), rules)).toBeNull();
    expect(noticeFor(job('a', 'dead', took(120_000)), { ...rules, dead: false })).toBe('finished');
    expect(noticeFor(job('a', 'completed', { started_at: null }), rules)).toBeNull();
  });
});

describe('TrayController', () => {
  it('draws at once, then at most once a second under a stream of events, ending on the latest state', async () => {
    const { tray, clock, renders, push } = setup();
    await tray.start();
    expect(renders).toHaveLength(1);
    for (let i = 1; i <= 30; i++) {
      push([], { processing: i });
      clock.advance(100);
    }
    // 3 s of events every 100 ms: one draw per second, not thirty.
    expect(renders.length).toBeLessThanOrEqual(5);
    clock.advance(1000);
    expect(renders.at(-1)!.counts.processing).toBe(30);
  });

  it('--notify completions and dead jobs become notifications; clicking one opens that job', async () => {
    const { tray, clock, shown, push } = setup();
    await tray.start();
    push([notify(job('n1', 'completed', { name: 'backup' })), job('plain', 'completed'), job('d1', 'dead')]);
    clock.advance(2000);
    expect(shown.map((s) => [s.kind, s.title, s.route])).toEqual([
      ['dead', 'Job failed: run d1 (d1)', '#/jobs/d1'],
      ['finished', 'Job completed: backup (n1)', '#/jobs/n1'],
    ]);
    expect(shown[1]!.body).toBe('Took 2.50s · exit code 0.');
  });

  it('a burst of --notify ends is summarised', async () => {
    const { tray, clock, shown, push } = setup();
    await tray.start();
    push(Array.from({ length: 12 }, (_, i) => notify(job(`b${i}`, 'completed'))));
    clock.advance(2000);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ kind: 'finished', title: '12 jobs finished in the last minute', route: '#/jobs' });
  });

  it('launch at login refused by the OS: the preference stays off and the user is told', async () => {
    const { tray, notices, prefs } = setup({ setLoginItem: () => false });
    await tray.act({ type: 'toggle', key: 'launchAtLogin', value: true });
    expect(prefs().launchAtLogin).toBe(false);
    expect(tray.state.toggles.launchAtLogin).toBe(false);
    expect(notices).toEqual(['Could not change launch at login']);
  });

  it('the long-job threshold is saved and shown', async () => {
    const { tray, prefs } = setup();
    await tray.act({ type: 'long-job', seconds: 300 });
    expect(prefs().notifications.longJobSeconds).toBe(300);
    expect(tray.state.longJobSeconds).toBe(300);
  });

  it('holds the window only with an icon and a tray host; a later answer changes that', async () => {
    const { tray } = setup({ trayHostProblem: 'still looking for a tray host' });
    expect(tray.iconCreated).toBe(true);
    expect(tray.holdsWindow).toBe(false);
    tray.setTrayHostProblem(null);
    expect(tray.holdsWindow).toBe(true);
    expect(setup({ createIcon: () => null }).tray.holdsWindow).toBe(false);
  });
});
