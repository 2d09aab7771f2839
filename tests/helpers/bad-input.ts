import { expect } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, waitFor, type CliResult } from './daemon.js';

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

/** What a command says once on stderr when it works on the store because no daemon runs (cli/client.ts). */
export const NO_DAEMON_NOTE = /^queuectl: no daemon is running for .*; working on the store directly: jobs run once one starts \(queuectl worker start\)\n/;

/**
 * Runs each command in a fresh home without a daemon, then in a fresh home with one, and insists that both
 * answer alike: the same exit code and the same stderr (the no-daemon note aside, printed at most once),
 * so bad input is refused in the same words either way. Answers the daemonless results.
 */
export async function expectSameWithoutDaemon(cases: string[][]): Promise<CliResult[]> {
  const bare = new TestHome();
  const served = new TestHome();
  const results: CliResult[] = [];
  try {
    await served.start(1);
    const said = (home: string, text: string): string => text.replaceAll(home, '<home>');
    for (const args of cases) {
      const without = await bare.cli(args);
      const withDaemon = await served.cli(args);
      // The note comes at most once: a usage error the CLI finds itself never reaches the store.
      expect(without.stderr.match(/no daemon is running/g)?.length ?? 0, args.join(' ')).toBeLessThanOrEqual(1);
      expect(without.code, `${args.join(' ')}: ${without.stderr}`).toBe(withDaemon.code);
      expect(said(bare.home, without.stderr.replace(NO_DAEMON_NOTE, '')), args.join(' ')).toBe(said(served.home, withDaemon.stderr));
      results.push(without);
    }
  } finally {
    await Promise.all([bare.dispose(), served.dispose()]);
  }
  return results;
}
