import { QueueError } from './errors.js';

/**
 * Which store a daemon runs on: the embedded SQLite file in its home (the default), or a PostgreSQL database
 * named by a URL. Here in protocol/ because the CLI checks a `--store` value before it starts anything and
 * the engine reads the same values at start-up: one parser, one mask, for both.
 */
export type StoreChoice = { kind: 'sqlite' } | { kind: 'postgres'; url: string };

/** The environment variable that chooses the store when `worker start` has no `--store`. */
export const STORE_ENV = 'QUEUECTL_STORE';

/** The default store, and what `--store sqlite` switches back to. */
export const SQLITE_CHOICE: StoreChoice = { kind: 'sqlite' };

const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'];

/**
 * `value` as a store choice: `sqlite`, or a `postgres://` / `postgresql://` URL. Anything else is
 * INVALID_ARGUMENT naming `source` (`--store`, QUEUECTL_STORE, a file), one line, the value masked: a
 * mistyped scheme must not print the password that came with it.
 */
export function parseStoreChoice(value: string, source: string): StoreChoice {
  const text = value.trim();
  if (text === 'sqlite') return SQLITE_CHOICE;
  const expected = 'expected sqlite or a postgres://user@host/db URL';
  if (text === '') throw new QueueError('INVALID_ARGUMENT', `${source}: empty; ${expected}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueError('INVALID_ARGUMENT', `${source}: not a URL (${maskPassword(text)}); ${expected}`);
  }
  if (!POSTGRES_SCHEMES.includes(url.protocol)) {
    throw new QueueError('INVALID_ARGUMENT', `${source}: unknown store ${maskPassword(text)}; ${expected}`);
  }
  if (/[\s\0]/.test(text)) throw new QueueError('INVALID_ARGUMENT', `${source}: the URL has a space or control character (${maskPassword(text)})`);
  return { kind: 'postgres', url: text };
}

/** The choice as `--store` spells it: what the home remembers and what a start hands the next process. */
export function storeChoiceText(choice: StoreChoice): string {
  return choice.kind === 'sqlite' ? 'sqlite' : choice.url;
}

/**
 * The URL as `status`, logs and errors may show it: a password in the user part or in the query string
 * (`password=`, `sslpassword=`) replaced by `***`. Anything that does not parse as a URL (a libpq key=value
 * string) keeps only its host, port, database and user, never echoed whole.
 */
export function maskPassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const keep = url.split(/\s+/).filter((pair) => /^(host|hostaddr|port|dbname|user)=/.test(pair));
    return keep.join(' ') || '***';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase().includes('password')) parsed.searchParams.set(key, '***');
  return parsed.toString();
}
