import { AlreadyRunningError } from '../engine/index.js';

/** What the user is told when the engine does not start, with what to do about it. */
export function startFailure(err: unknown): string {
  if (err instanceof AlreadyRunningError) return `${err.message}; stop it with: queuectl worker stop`;
  const message = err instanceof Error ? err.message : String(err);
  const hint = /NODE_MODULE_VERSION/.test(message) ? ' (better-sqlite3 was built for Node, not Electron: run npm run rebuild:electron; see docs/desktop.md)' : '';
  return `could not start the queue: ${message}${hint}`;
}
