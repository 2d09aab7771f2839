import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFINITIONS, defaultConfig, type ConfigKey } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { queueErrorOf, queueErrorOfAsync } from '../helpers/queue-error.js';

let dir: string;
let dbPath: string;
let db: Database.Database;
let logged: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-settings-'));
  dbPath = join(dir, 'queue.db');
  db = openDatabase(dbPath);
  logged = [];
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function settings(): Promise<Settings> {
  return Settings.load(sqliteStore(db), (msg) => logged.push(msg));
}

function reopen(): Promise<Settings> {
  db.close();
  db = openDatabase(dbPath);
  return settings();
}

function storedRows(): Array<{ key: string; value: string }> {
  return db.prepare<[], { key: string; value: string }>('SELECT key, value FROM config ORDER BY key').all();
}

const thrown = queueErrorOf;
const thrownAsync = queueErrorOfAsync;

describe('Settings defaults', () => {
  it('starts from the defaults on an empty database and stores nothing', async () => {
    const s = await settings();
    expect(s.all()).toEqual(defaultConfig());
    expect(s.get('max_retries')).toBe(3);
    expect(s.get('workers')).toBe(2);
    expect(storedRows()).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('entries() lists every definition in order with its current value', async () => {
    const s = await settings();
    await s.set('workers', 6);
    const entries = s.entries();
    expect(entries.map((e) => e.key)).toEqual(CONFIG_DEFINITIONS.map((d) => d.key));
    expect(entries.find((e) => e.key === 'workers')).toMatchObject({ value: 6, default: 2, min: 1, max: 64, type: 'integer' });
    expect(entries.find((e) => e.key === 'max_retries')?.value).toBe(3);
  });
});

describe('Settings.set', () => {
  it('applies the value at once and returns the entry', async () => {
    const s = await settings();
    const entry = await s.set('max_retries', 5);
    expect(entry).toMatchObject({ key: 'max_retries', value: 5, default: 3 });
    expect(s.get('max_retries')).toBe(5);
  });

  it('persists across a reopen of the database', async () => {
    await (await settings()).set('backoff_base', 3);
    await (await settings()).set('backoff_jitter', '0.25');
    const s = await reopen();
    expect(s.get('backoff_base')).toBe(3);
    expect(s.get('backoff_jitter')).toBe(0.25);
    expect(s.get('max_retries')).toBe(3); // untouched keys keep their defaults
    expect(logged).toEqual([]);
  });

  it('overwrites an earlier value instead of adding a row', async () => {
    const s = await settings();
    await s.set('workers', 3);
    await s.set('workers', 4);
    expect(storedRows()).toEqual([{ key: 'workers', value: '4' }]);
    expect((await reopen()).get('workers')).toBe(4);
  });

  it('accepts hyphenated and upper-case keys and stores them under the canonical key', async () => {
    const s = await settings();
    expect((await s.set('max-retries', 7)).key).toBe('max_retries');
    expect((await s.set('BACKOFF-FACTOR-MS', '250')).key).toBe('backoff_factor_ms');
    expect(s.get('max_retries')).toBe(7);
    expect(s.get('backoff_factor_ms')).toBe(250);
    expect(storedRows()).toEqual([
      { key: 'backoff_factor_ms', value: '250' },
      { key: 'max_retries', value: '7' },
    ]);
  });

  it('stores the parsed number, not the string typed by the user', async () => {
    await (await settings()).set('workers', ' 8 ');
    expect(storedRows()).toEqual([{ key: 'workers', value: '8' }]);
  });

  it.each<[string, unknown]>([
    ['max_retries', '2.5'],
    ['max_retries', 'abc'],
    ['max_retries', ''],
    ['max_retries', -1],
    ['max_retries', 1001],
    ['workers', 0],
    ['backoff_jitter', 2],
    ['backoff_base', Infinity],
    ['backoff_base', NaN],
    ['max_retries', null],
    ['max_retries', { n: 1 }],
    ['max_retries', true],
  ])('refuses %s = %j with INVALID_ARGUMENT and changes nothing', async (key, value) => {
    const s = await settings();
    await s.set('workers', 5); // a committed value the failed set must not disturb
    let heard = 0;
    s.onChange(() => heard++);
    const before = { ...s.all() };
    const rowsBefore = storedRows();

    const err = (await thrownAsync(() => s.set(key, value)));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.toRpc().code).toBe(-32602);
    expect(err.details).toEqual({ key });
    expect(err.message).toContain(key);

    expect(s.all()).toEqual(before);
    expect(storedRows()).toEqual(rowsBefore);
    expect(heard).toBe(0);
    expect((await reopen()).all()).toEqual(before);
  });

  it('refuses an unknown key with INVALID_ARGUMENT listing every known key', async () => {
    const s = await settings();
    const err = (await thrownAsync(() => s.set('retries', 3)));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('"retries"');
    for (const d of CONFIG_DEFINITIONS) expect(err.message).toContain(d.key);
    expect(storedRows()).toEqual([]);
    expect(s.all()).toEqual(defaultConfig());
  });

  it('refuses a key that is not a string', async () => {
    const s = await settings();
    expect((await thrownAsync(() => s.set(42, 3))).code).toBe('INVALID_ARGUMENT');
    expect((await thrownAsync(() => s.set(null, 3))).code).toBe('INVALID_ARGUMENT');
    expect((await thrownAsync(() => s.set(undefined, 3))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('Settings.keyOf', () => {
  it('resolves user spellings and throws for unknown ones', async () => {
    expect(Settings.keyOf('tick-interval-ms')).toBe('tick_interval_ms');
    expect(thrown(() => Settings.keyOf('bogus')).code).toBe('INVALID_ARGUMENT');
  });
});

describe('Settings.onChange', () => {
  it('tells every listener the canonical key and the parsed value after the change is applied', async () => {
    const s = await settings();
    const heard: Array<[ConfigKey, number | string, number | string]> = [];
    s.onChange((key, value) => heard.push([key, value, s.get(key)]));
    const second: ConfigKey[] = [];
    s.onChange((key) => second.push(key));

    await s.set('max-retries', '4');
    await s.set('backoff_jitter', 0.5);

    expect(heard).toEqual([
      ['max_retries', 4, 4],
      ['backoff_jitter', 0.5, 0.5],
    ]);
    expect(second).toEqual(['max_retries', 'backoff_jitter']);
  });

  it('is committed before listeners hear about it', async () => {
    const s = await settings();
    let storedWhenHeard: unknown;
    s.onChange(() => {
      storedWhenHeard = storedRows();
    });
    await s.set('workers', 9);
    expect(storedWhenHeard).toEqual([{ key: 'workers', value: '9' }]);
  });
});

describe('Settings loading stored rows', () => {
  it('ignores and logs unknown keys and invalid stored values, keeping the defaults', async () => {
    const insert = db.prepare('INSERT INTO config (key, value) VALUES (?, ?)');
    insert.run('obsolete_key', '1');
    insert.run('workers', '500');
    insert.run('max_retries', '"abc"');
    insert.run('backoff_base', '4');
    const s = await settings();
    expect(s.get('workers')).toBe(2);
    expect(s.get('max_retries')).toBe(3);
    expect(s.get('backoff_base')).toBe(4);
    expect(logged).toHaveLength(3);
    expect(logged.some((m) => m.includes('obsolete_key') && m.includes('unknown key'))).toBe(true);
    expect(logged.some((m) => m.includes('workers=500') && m.includes('between 1 and 64'))).toBe(true);
    expect(logged.some((m) => m.includes('max_retries'))).toBe(true);
  });
});

describe('Settings loading a hand-edited config table', () => {
  it('ignores and logs a stored value that is not JSON instead of failing to start', async () => {
    db.prepare('INSERT INTO config (key, value) VALUES (?, ?)').run('workers', 'four');
    db.prepare('INSERT INTO config (key, value) VALUES (?, ?)').run('max_retries', '6');
    let s: Settings | undefined;
    await expect(
      settings().then((loaded) => {
        s = loaded;
      }),
    ).resolves.toBeUndefined();
    expect(s?.get('workers')).toBe(2);
    expect(s?.get('max_retries')).toBe(6);
    expect(logged.some((m) => m.includes('workers=four'))).toBe(true);
  });
});

describe('Settings with a string key (on_finish)', () => {
  it('stores the text as JSON, applies it, keeps it across a reopen, and clears it with ""', async () => {
    const s = await settings();
    const heard: Array<[ConfigKey, unknown]> = [];
    s.onChange((key, value) => heard.push([key, value]));
    const command = `notify-send "job $QUEUECTL_JOB_ID" '$(not run)'`;
    expect(await s.set('on-finish', command)).toMatchObject({ key: 'on_finish', value: command, type: 'string', default: '' });
    const text: string = s.get('on_finish');
    expect(text).toBe(command);
    expect(storedRows()).toEqual([{ key: 'on_finish', value: JSON.stringify(command) }]);
    expect((await reopen()).get('on_finish')).toBe(command);

    const again = await settings();
    expect((await again.set('on_finish', '')).value).toBe('');
    expect(storedRows()).toEqual([{ key: 'on_finish', value: '""' }]);
    expect((await reopen()).get('on_finish')).toBe('');
    expect(heard).toEqual([['on_finish', command]]);
    expect(logged).toEqual([]);
  });

  it('refuses a number for on_finish and text for a numeric key, changing nothing', async () => {
    const s = await settings();
    await s.set('on_finish', 'true');
    expect((await thrownAsync(() => s.set('on_finish', 5))).code).toBe('INVALID_ARGUMENT');
    expect((await thrownAsync(() => s.set('on_finish', 'x'.repeat(5000)))).message).toMatch(/at most 4096 characters/);
    expect((await thrownAsync(() => s.set('on_finish_timeout_ms', 'soon'))).code).toBe('INVALID_ARGUMENT');
    expect(s.get('on_finish')).toBe('true');
    expect(storedRows()).toEqual([{ key: 'on_finish', value: '"true"' }]);
  });

  it('ignores and logs a stored on_finish that is not a string', async () => {
    db.prepare('INSERT INTO config (key, value) VALUES (?, ?)').run('on_finish', '42');
    const s = await settings();
    expect(s.get('on_finish')).toBe('');
    expect(logged.some((m) => m.includes('on_finish=42') && m.includes('must be text'))).toBe(true);
  });
});
