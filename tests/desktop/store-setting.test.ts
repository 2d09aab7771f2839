import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChosenStore } from '../../electron/engine/store/choice.js';
import { DEFAULT_PREFERENCES, type Preferences, type PreferencesStore } from '../../electron/main/preferences.js';
import { answerStoreSetting, STORE_SETTING_CHANNEL, withKeptPassword, type StoreSettingDeps } from '../../electron/main/store-setting.js';
import { postgresUrlProblem, restartLine, runningLine } from '../../renderer/src/lib/store-setting.js';

/**
 * The desktop app's store field, main's side (electron/main/store-setting.ts) and the dashboard's words
 * (renderer/src/lib/store-setting.ts), under Node: the IPC event is a fake of Electron's (the runtime cannot
 * run here), the preferences an in-memory PreferencesStore (the real one is electron-store, 0600).
 */

const WINDOW = { id: 'dashboard' };
const fromDashboard = { sender: WINDOW, senderFrame: { url: 'app://queuectl/index.html', parent: null } };
const SQLITE_RUNNING: ChosenStore = { choice: { kind: 'sqlite' }, from: 'default' };

function deps(store: string | null = null, running: ChosenStore = SQLITE_RUNNING): StoreSettingDeps & { logged: string[]; saved: Preferences[] } {
  let memory: Preferences = { ...DEFAULT_PREFERENCES, store };
  const saved: Preferences[] = [];
  const prefs: PreferencesStore = { get: () => memory, set: (p) => void saved.push((memory = p)) };
  const logged: string[] = [];
  return { prefs, running, log: (m) => logged.push(m), logged, saved };
}

const ask = (d: StoreSettingDeps, ...args: unknown[]) => answerStoreSetting(fromDashboard, args, WINDOW, d);

describe('the desktop store field (main)', () => {
  it('keeps a PostgreSQL URL as the preference, answers it masked, says a restart is needed, and logs no password', () => {
    const d = deps();
    const answer = ask(d, 'set', '  postgres://ann:s3cret@db.example/q?sslmode=require ');
    expect(answer).toEqual({
      ok: true,
      setting: {
        running: { kind: 'sqlite', display: 'sqlite' },
        runningChosenBy: 'default',
        preference: { kind: 'postgres', display: 'postgres://ann:***@db.example/q?sslmode=require' },
        restartNeeded: true,
      },
    });
    expect(d.prefs.get().store).toBe('postgres://ann:s3cret@db.example/q?sslmode=require');
    expect(JSON.stringify(answer) + d.logged.join('\n')).not.toContain('s3cret');
    expect(d.logged).toEqual(['store preference set to postgres://ann:***@db.example/q?sslmode=require; it applies at the next start']);
  });

  it('*** sent back means "keep the password": another database keeps it; without a kept one it is refused', () => {
    const d = deps('postgres://ann:p%40ss@db/q?password=qs');
    expect(ask(d, 'set', 'postgres://ann:***@db/other?password=***')).toMatchObject({ ok: true, setting: { preference: { display: 'postgres://ann:***@db/other?password=***' } } });
    expect(d.prefs.get().store).toBe('postgres://ann:p%40ss@db/other?password=qs');
    // Unchanged text saves nothing.
    ask(d, 'set', 'postgres://ann:***@db/other?password=***');
    expect(d.saved).toHaveLength(1);

    const fresh = deps();
    expect(ask(fresh, 'set', 'postgres://ann:***@db/q')).toMatchObject({ ok: false, error: expect.stringMatching(/^\*\*\* stands for a password kept earlier.*PGPASSWORD/) });
    expect(fresh.saved).toEqual([]);
    expect(withKeptPassword('sqlite', 'postgres://a:b@h/d')).toBe('sqlite');
  });

  it('refuses what --store refuses, masked, and saves nothing', () => {
    const d = deps();
    for (const [value, why] of [
      ['mysql://ann:s3cret@db/q', /^the store: unknown store mysql:\/\/ann:\*\*\*@db\/q; expected sqlite or a postgres/],
      ['', /^the store: empty/],
      ['postgres://db/q x', /space or control character/],
      [42, /must be text/],
      ['postgres://h/' + 'd'.repeat(5000), /at most 4096/],
    ] as const) {
      const answer = ask(d, 'set', value);
      expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(why) });
      expect(JSON.stringify(answer)).not.toContain('s3cret');
    }
    expect(d.saved).toEqual([]);
  });

  it('sqlite goes back to SQLite; a choice equal to what runs needs no restart', () => {
    const running: ChosenStore = { choice: { kind: 'postgres', url: 'postgres://ann:pw@db/q' }, from: 'home' };
    const d = deps('postgres://ann:pw@db/q', running);
    expect(ask(d, 'get')).toMatchObject({ ok: true, setting: { runningChosenBy: 'data-directory', restartNeeded: false, running: { display: 'postgres://ann:***@db/q' } } });
    expect(ask(d, 'set', 'sqlite')).toMatchObject({ ok: true, setting: { preference: { kind: 'sqlite' }, restartNeeded: true } });
    expect(d.prefs.get().store).toBe('sqlite');
  });

  it('only the dashboard top frame on the app origin is answered; other shapes are refused', () => {
    const d = deps('postgres://ann:pw@db/q');
    expect(answerStoreSetting({ ...fromDashboard, sender: {} }, ['get'], WINDOW, d)).toEqual({ ok: false, error: 'IPC from a window other than the dashboard' });
    expect(answerStoreSetting({ sender: WINDOW, senderFrame: { url: 'https://evil.example/', parent: null } }, ['set', 'sqlite'], WINDOW, d)).toMatchObject({ ok: false });
    expect(answerStoreSetting(fromDashboard, ['get'], null, d)).toMatchObject({ ok: false });
    expect(ask(d, 'delete')).toMatchObject({ ok: false, error: expect.stringContaining("('get') or ('set', value)") });
    expect(d.saved).toEqual([]);
    expect(d.logged.filter((l) => l.startsWith('refused IPC'))).toHaveLength(3);
  });

  it('the preload invokes the same channel, with a global of its own beside `queuectl`', () => {
    const preload = readFileSync('preload/index.ts', 'utf8');
    expect(preload).toContain(`ipcRenderer.invoke('${STORE_SETTING_CHANNEL}', 'get')`);
    expect(preload).toContain(`ipcRenderer.invoke('${STORE_SETTING_CHANNEL}', 'set', value)`);
    expect(preload).toContain(`exposeInMainWorld('queuectlApp'`);
  });
});

describe('the desktop store field (dashboard words)', () => {
  it('checks the URL with the rules --store has before sending it; *** passes (main puts the kept password back)', () => {
    expect(postgresUrlProblem('postgres://ann:***@db/q')).toBeNull();
    expect(postgresUrlProblem(' ')).toMatch(/Type the database URL/);
    expect(postgresUrlProblem('sqlite')).toMatch(/postgres:\/\/ URL, or choose SQLite/);
    expect(postgresUrlProblem('http://ann:pw@db/q')).toBe('the URL: unknown store http://ann:***@db/q; expected sqlite or a postgres://user@host/db URL');
  });

  it('says what runs, why, and what a saved choice waits for', () => {
    const setting = { running: { kind: 'sqlite', display: 'sqlite' }, runningChosenBy: 'environment', preference: { kind: 'postgres', display: 'postgres://ann:***@db/q' }, restartNeeded: true } as const;
    expect(runningLine(setting)).toBe('Running on SQLite (named by queuectl worker start --store (QUEUECTL_STORE), which wins over this choice whenever it is given).');
    expect(restartLine(setting)).toMatch(/^PostgreSQL at postgres:\/\/ann:\*\*\*@db\/q from the next start\. .*quit it from the tray/);
    expect(restartLine({ ...setting, restartNeeded: false })).toBeNull();
  });
});
