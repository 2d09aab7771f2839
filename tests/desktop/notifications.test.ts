import { describe, expect, it } from 'vitest';
import {
  escapeMarkup,
  forDisplay,
  NotificationBatcher,
  single,
  summary,
  type NotificationSpec,
  type NotifyKind,
} from '../../electron/main/notifications.js';
import { kindEnabled } from '../../electron/main/notify-rules.js';
import { DEFAULT_PREFERENCES, withToggle, type Preferences } from '../../electron/main/preferences.js';
import { notifyRules } from '../../electron/main/tray-controller.js';
import { FakeClock } from './fixtures/clock.js';
import { job } from './fixtures/jobs.js';


function setup(prefs: () => Preferences = () => DEFAULT_PREFERENCES) {
  const clock = new FakeClock();
  const shown: NotificationSpec[] = [];
  const batcher = new NotificationBatcher({
    show: (spec) => shown.push(spec),
    enabled: (kind: NotifyKind) => kindEnabled(kind, notifyRules(prefs())),
    clock,
    settleMs: 1500,
    minIntervalMs: 10_000,
    windowMs: 60_000,
  });
  return { clock, shown, batcher };
}

describe('notifications: batching and preferences', () => {
  it('a lone dead job is one notification, after the settle delay, that opens that job', () => {
    const { clock, shown, batcher } = setup();
    batcher.add('dead', job('abc123', 'dead', { name: 'nightly backup', last_error: 'exit code 2' }));
    clock.advance(1000);
    expect(shown).toEqual([]);
    clock.advance(600);
    expect(shown).toEqual([
      {
        kind: 'dead',
        title: 'Job failed: nightly backup (abc123)',
        body: 'exit code 2. Moved to the dead-letter queue after 3 runs.',
        route: '#/jobs/abc123',
      },
    ]);
  });

  it('a burst becomes one summary: "12 jobs failed in the last minute", opening the DLQ', () => {
    const { clock, shown, batcher } = setup();
    for (let i = 0; i < 12; i++) {
      batcher.add('dead', job(`j${i}`, 'dead'));
      clock.advance(50);
    }
    clock.advance(2000);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ kind: 'dead', title: '12 jobs failed in the last minute', route: '#/dlq' });
    expect(shown[0]!.body).toContain('j11');
  });

  it('a steady stream shows at most one notification per interval, each counting the last minute', () => {
    const { clock, shown, batcher } = setup();
    // One failure every 2 s for a minute: 30 failures.
    for (let i = 0; i < 30; i++) {
      batcher.add('dead', job(`s${i}`, 'dead'));
      clock.advance(2000);
    }
    clock.advance(20_000);
    // First alone after 1.5 s, then one per 10 s: 1 + 6 or so, never 30.
    expect(shown.length).toBeGreaterThanOrEqual(5);
    expect(shown.length).toBeLessThanOrEqual(8);
    expect(shown[0]!.title).toMatch(/^Job failed/);
    expect(shown.slice(1).every((s) => /^\d+ jobs failed in the last minute$/.test(s.title))).toBe(true);
    const counts = shown.slice(1).map((s) => Number(s.title.split(' ')[0]));
    expect(Math.max(...counts)).toBeLessThanOrEqual(30);
  });

  it('after a quiet minute, a new failure is shown on its own again', () => {
    const { clock, shown, batcher } = setup();
    batcher.add('dead', job('first', 'dead'));
    clock.advance(90_000);
    batcher.add('dead', job('later', 'dead'));
    clock.advance(2000);
    expect(shown.map((s) => s.title)).toEqual(['Job failed: run first (first)', 'Job failed: run later (later)']);
  });

  it('kinds are batched apart: failures do not swallow completions', () => {
    const { clock, shown, batcher } = setup();
    batcher.add('dead', job('d1', 'dead'));
    batcher.add('finished', job('c1', 'completed', { name: 'deploy' }));
    clock.advance(2000);
    expect(shown.map((s) => s.kind).sort()).toEqual(['dead', 'finished']);
    expect(shown.find((s) => s.kind === 'finished')).toMatchObject({ title: 'Job completed: deploy (c1)', body: 'Took 2.50s · exit code 0.', route: '#/jobs/c1' });
  });

  it('a kind switched off in the preferences shows nothing, including what was held when it was switched off', () => {
    let prefs = withToggle(DEFAULT_PREFERENCES, 'notifyDead', false);
    const { clock, shown, batcher } = setup(() => prefs);
    batcher.add('dead', job('x', 'dead'));
    batcher.add('finished', job('y', 'completed'));
    clock.advance(2000);
    expect(shown.map((s) => s.kind)).toEqual(['finished']);

    prefs = DEFAULT_PREFERENCES;
    batcher.add('dead', job('z', 'dead'));
    prefs = withToggle(DEFAULT_PREFERENCES, 'notifyDead', false);
    clock.advance(2000);
    expect(shown.map((s) => s.kind)).toEqual(['finished']);
  });

  it('dispose drops what is held (the app is quitting)', () => {
    const { clock, shown, batcher } = setup();
    batcher.add('dead', job('q', 'dead'));
    batcher.dispose();
    clock.advance(5000);
    expect(shown).toEqual([]);
  });

  it('a long command is shortened in the title', () => {
    const { clock, shown, batcher } = setup();
    batcher.add('dead', job('long', 'dead', { command: `echo ${'x'.repeat(200)}` }));
    clock.advance(2000);
    expect(shown[0]!.title.length).toBeLessThan(100);
    expect(shown[0]!.title).toContain('…');
  });
});

describe('notification text on Linux (libnotify reads the body as markup)', () => {
  it('escapes & < > in the body on Linux and the other XDG desktops; leaves macOS and Windows alone', () => {
    expect(escapeMarkup('make && ./deploy.sh > out.log <a href="x">')).toBe('make &amp;&amp; ./deploy.sh &gt; out.log &lt;a href="x"&gt;');
    const spec = { title: 'Job failed: a & b', body: 'exit code 1 & more <b>x</b>', kind: 'dead' as const, route: '#/dlq' };
    expect(forDisplay(spec, 'linux')).toEqual({ ...spec, body: 'exit code 1 &amp; more &lt;b&gt;x&lt;/b&gt;' });
    expect(forDisplay(spec, 'freebsd').body).toBe('exit code 1 &amp; more &lt;b&gt;x&lt;/b&gt;');
    expect(forDisplay(spec, 'darwin')).toBe(spec);
    expect(forDisplay(spec, 'win32')).toBe(spec);
  });

  it('the summary (title) stays plain text, as the notification spec has it; job names in bodies are escaped', () => {
    const evil = { ...job('j1', 'dead'), name: '<a href="https://evil.example">click</a>', last_error: 'make && ./deploy.sh > out.log failed' };
    const one = forDisplay(single('dead', evil), 'linux');
    expect(one.title).toBe(`Job failed: ${evil.name} (j1)`);
    expect(one.body).not.toMatch(/[<>]|&(?!amp;|lt;|gt;)/);
    expect(one.body).toContain('make &amp;&amp; ./deploy.sh &gt; out.log failed');
    const many = forDisplay(summary('dead', 3, evil), 'linux');
    expect(many.body).toContain('&lt;a href="https://evil.example"&gt;click&lt;/a&gt;');
  });
});
