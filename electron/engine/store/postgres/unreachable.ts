import { StoreUnavailableError, type UnreachableOutcome } from '../storage-error.js';
import { CONNECT_DEADLINE_MS, QUERY_DEADLINE_MS, redactPassword } from './connect.js';

/** SQLSTATEs of a server that cannot serve the connection now: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now. */
const SERVER_DOWN = new Set(['57P01', '57P02', '57P03']);

/** Node's socket errors: refused, reset, cut, or no route to the host or its name. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);

/** node-postgres's own words for a connection that ended, never opened in time, or a statement past its deadline. */
const CONNECT_TIMEOUT = /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout|timeout expired)$/;
const DRIVER_LOST = /^(Connection terminated|Query read timeout$|Client has encountered a connection error|Client was closed)/;

interface ErrorLike {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/**
 * True when `err` says the server could not be reached or stopped answering, as opposed to refusing the
 * request (a constraint, a bad statement): the cases in which a call fails as "store unavailable".
 */
export function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, syscall, message } = err as ErrorLike;
  if (typeof code === 'string') {
    if (SERVER_DOWN.has(code) || code.startsWith('08') || SOCKET_CODES.has(code)) return true;
    // A unix socket that is not there: the server is not running.
    if (code === 'ENOENT' && syscall === 'connect') return true;
  }
  return typeof message === 'string' && (CONNECT_TIMEOUT.test(message) || DRIVER_LOST.test(message));
}

/** Where an unreachable error was met, set by store/postgres/db.ts as it passes (the innermost mark wins). */
const OUTCOME = Symbol('queuectl.unreachableOutcome');

/** Marks what the failed call did to the data (UnreachableOutcome) unless already marked; answers `err`. */
export function markOutcome(err: unknown, outcome: UnreachableOutcome): unknown {
  if (typeof err === 'object' && err !== null && !(OUTCOME in err)) (err as { [OUTCOME]?: UnreachableOutcome })[OUTCOME] = outcome;
  return err;
}

/** What the call that met `err` did to the data, as marked on its way out; null if unmarked (or not unreachable). */
export function outcomeOf(err: unknown): UnreachableOutcome | null {
  return (err as { [OUTCOME]?: UnreachableOutcome } | null)?.[OUTCOME] ?? null;
}

/** One line saying why the server could not be reached, password masked. */
export function describeUnreachable(err: unknown, url: string): string {
  const { code, message } = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const text = typeof message === 'string' ? message : String(err);
  let line: string;
  if (text === 'Query read timeout') line = `no answer within ${QUERY_DEADLINE_MS / 1000} s`;
  else if (CONNECT_TIMEOUT.test(text)) line = `could not connect within ${CONNECT_DEADLINE_MS / 1000} s`;
  else if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) line = `${text} (${code})`;
  else line = text;
  return redactPassword(line.replace(/\s+/g, ' ').trim(), url);
}

/**
 * The error a store call answers for an unreachable server: StoreUnavailableError with what the call did to
 * the data, `unknown` when nothing marked it (a write whose fate was not tracked must not claim "nothing was
 * changed").
 */
export function unavailable(err: unknown, url: string): StoreUnavailableError {
  const outcome = outcomeOf(err) ?? 'unknown';
  return new StoreUnavailableError(describeUnreachable(err, url), outcome);
}
