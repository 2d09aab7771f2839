import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeLine } from '../../cli/status-view.js';
import { chooseStore, rememberedStoreChoice, rememberStoreChoice, resolveStoreChoice, storeToOpen } from '../../electron/engine/store/choice.js';
import { normalizePreferences, storeForStart } from '../../electron/main/preferences.js';
import { maskPassword, parseStoreChoice, QueueError } from '../../protocol/index.js';
import { homePaths } from '../../protocol/node/paths.js';

const PG = 'postgres://ann:hunter2@db.example:5433/q?sslmode=require';

/** The QueueError `fn` throws (it must throw one). */
function thrown(fn: () => unknown): QueueError {
  try {
    fn();
  } catch (err) {
    if (err instanceof QueueError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('parseStoreChoice', () => {
  it('takes sqlite and postgres:// or postgresql:// URLs', () => {
    expect(parseStoreChoice('sqlite', '--store')).toEqual({ kind: 'sqlite' });
    expect(parseStoreChoice(` ${PG} `, '--store')).toEqual({ kind: 'postgres', url: PG });
    expect(parseStoreChoice('postgresql://db/q', '--store')).toEqual({ kind: 'postgres', url: 'postgresql://db/q' });
  });

  it.each([
    ['', 'empty'],
    ['mysql://ann:hunter2@db/q', 'unknown store mysql://ann:***@db/q'],
    ['postgress://ann:hunter2@db/q', 'unknown store postgress://ann:***@db/q'],
    ['SQLite.db', 'not a URL'],
    ['postgres://ann:hunter2@[db/q', 'not a URL'],
  ])('%j is one line of INVALID_ARGUMENT naming its source, without the password', (value, says) => {
    const err = thrown(() => parseStoreChoice(value, 'QUEUECTL_STORE'));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/^QUEUECTL_STORE: /);
    expect(err.message).toContain(says);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('\n');
  });
});

describe('maskPassword', () => {
  it('masks the password of the user part, percent-encoded or not, and password= in the query', () => {
    expect(maskPassword(PG)).toBe('postgres://ann:***@db.example:5433/q?sslmode=require');
    expect(maskPassword('postgres://ann:s3cr%40t@db/q')).toBe('postgres://ann:***@db/q');
    expect(maskPassword('postgres://ann:p@ss@db/q')).toBe('postgres://ann:***@db/q');
    expect(maskPassword('postgresql://ann@db/q?password=hunter2&sslmode=require')).toBe('postgresql://ann@db/q?password=***&sslmode=require');
    expect(maskPassword('postgres://ann@db/q?sslpassword=hunter2')).toBe('postgres://ann@db/q?sslpassword=***');
  });

  it('leaves a URL without a password as it is, and never echoes what is not a URL', () => {
    expect(maskPassword('postgres://ann@db:5432/q?sslmode=verify-full')).toBe('postgres://ann@db:5432/q?sslmode=verify-full');
    expect(maskPassword('postgres://db/q')).toBe('postgres://db/q');
    expect(maskPassword('host=db dbname=q password=hunter2')).toBe('host=db dbname=q');
    expect(maskPassword('hunter2')).toBe('***');
  });
});

describe('the store chosen and remembered in the home', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'qctl-choice-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const file = (): string => homePaths(home).storeChoice;

  it('resolves --store, else QUEUECTL_STORE, else the remembered choice, else sqlite', () => {
    expect(resolveStoreChoice(home, null, {})).toEqual({ choice: { kind: 'sqlite' }, from: 'default' });
    rememberStoreChoice(home, { kind: 'postgres', url: 'postgres://db/remembered' });
    expect(resolveStoreChoice(home, null, {})).toEqual({ choice: { kind: 'postgres', url: 'postgres://db/remembered' }, from: 'home' });
    expect(resolveStoreChoice(home, null, { QUEUECTL_STORE: 'postgres://db/env' })).toEqual({ choice: { kind: 'postgres', url: 'postgres://db/env' }, from: 'env' });
    expect(resolveStoreChoice(home, 'sqlite', { QUEUECTL_STORE: 'postgres://db/env' })).toEqual({ choice: { kind: 'sqlite' }, from: 'flag' });
    // An empty variable is no choice.
    expect(resolveStoreChoice(home, null, { QUEUECTL_STORE: '' }).from).toBe('home');
  });

  it('remembers a choice by flag or variable in a 0600 file, replaced by a rename; --store sqlite switches back', () => {
    const env: NodeJS.ProcessEnv = { QUEUECTL_STORE: PG };
    expect(chooseStore(home, null, env).from).toBe('env');
    // Taken out of the host's environment: workers and hooks inherit it.
    expect(env).toEqual({});
    expect(storeToOpen(home)).toEqual({ kind: 'postgres', url: PG });
    expect(lstatSync(file()).mode & 0o777).toBe(0o600);
    expect(readFileSync(file(), 'utf8')).toBe(`${PG}\n`);
    // A later start with nothing said uses it and writes nothing.
    expect(chooseStore(home, null, {})).toEqual({ choice: { kind: 'postgres', url: PG }, from: 'home' });

    // A link planted at the name is replaced, never written through; no temp file is left behind.
    const elsewhere = join(home, 'elsewhere');
    writeFileSync(elsewhere, 'untouched');
    rmSync(file());
    symlinkSync(elsewhere, file());
    chooseStore(home, 'sqlite', {});
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
    expect(lstatSync(file()).isSymbolicLink()).toBe(false);
    expect(storeToOpen(home)).toEqual({ kind: 'sqlite' });
    expect(resolveStoreChoice(home, null, {}).from).toBe('home');
    expect(readdirSync(home).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('a malformed flag or variable is INVALID_ARGUMENT and nothing is remembered; a malformed file names itself', () => {
    expect(thrown(() => chooseStore(home, 'postgress://ann:hunter2@db/q', {})).message).toMatch(/^--store: unknown store postgress:\/\/ann:\*\*\*@db\/q;/);
    expect(thrown(() => chooseStore(home, null, { QUEUECTL_STORE: 'nope' })).code).toBe('INVALID_ARGUMENT');
    expect(rememberedStoreChoice(home)).toBeNull();
    writeFileSync(file(), 'mysql://db/q\n', { mode: 0o600 });
    expect(thrown(() => storeToOpen(home)).message).toContain(`${file()}: unknown store`);
  });
});

describe('the desktop preference and the status line', () => {
  it('keeps a valid store preference (checked spelling), drops an invalid one; QUEUECTL_STORE wins over it', () => {
    expect(normalizePreferences({}).store).toBeNull();
    expect(normalizePreferences({ store: ` ${PG}` }).store).toBe(PG);
    expect(normalizePreferences({ store: 'mysql://db' }).store).toBeNull();
    expect(normalizePreferences({ store: 42 }).store).toBeNull();
    const prefs = normalizePreferences({ store: 'sqlite' });
    expect(storeForStart(prefs, {})).toBe('sqlite');
    expect(storeForStart(prefs, { QUEUECTL_STORE: PG })).toBeNull();
  });

  it('status shows the kind and the masked display', () => {
    expect(storeLine({ kind: 'sqlite', display: '/h/queuectl.db' })).toBe('store: sqlite (/h/queuectl.db)');
    expect(storeLine({ kind: 'postgres', display: maskPassword(PG) })).toBe('store: postgres (postgres://ann:***@db.example:5433/q?sslmode=require)');
  });
});
