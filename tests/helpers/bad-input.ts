import { expect } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { waitFor, type TestHome } from './daemon.js';

/** The store as the CLI shows it (jobs and config), to compare before and after a refused command. */
export async function storeSnapshot(t: TestHome): Promise<string> {
  return JSON.stringify({ jobs: await t.json<Job[]>(['list', '--limit', '1000']), config: await t.json(['config', 'list']) });
}

/**
 * Runs the CLI with bad input and insists it was refused as a user should see it: `message` on stderr, exit
 * `code`, nothing on stdout, and the store exactly as it was.
 */
export async function expectRefused(t: TestHome, args: string[], code: number, message: RegExp): Promise<void> {
  const before = await storeSnapshot(t);
  const r = await t.cli(args);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(await storeSnapshot(t)).toBe(before);
}

/** Waits until every job has finished running (completed or dead), as the fixtures' set-up needs. */
export function allSettled(t: TestHome): Promise<true> {
  return waitFor(async () => (await t.json<Job[]>(['list'])).every((j) => j.state === 'completed' || j.state === 'dead'), 20_000, 'every job to finish');
}
