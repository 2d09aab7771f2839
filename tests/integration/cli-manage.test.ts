import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import { hasScript, onTerminal } from '../helpers/terminal.js';

/** retry, remove, dlq purge, dlq retry of several ids and list's search/sort/paging, through the built CLI. */

type Spec = { id: string; command: string; name?: string; priority?: number; max_retries?: number };

const enqueue = (t: TestHome, spec: Spec) => t.ok(['enqueue', JSON.stringify(spec)]);
const logFile = (t: TestHome, id: string) => join(t.home, 'logs', `${id}.log`);
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

describe('retry, remove, dlq purge and dlq retry of several jobs', () => {
  const t = new TestHome();
  const busy = 'busy';
  /** Waits until the job has run `runs` times in all and is in `state` again. */
  const ranAgain = (id: string, state: Job['state'], runs = 2) =>
    waitFor(async () => {
      const j = await t.show(id);
      return j.state === state && j.attempt_history.length === runs ? j : undefined;
    }, 20_000, `${id} to be ${state} after run ${runs}`);

  beforeAll(async () => {
    await t.start(2);
    // Failed jobs wait a minute for their retry, so "failed" stays put while a test looks at it.
    await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
    await enqueue(t, { id: busy, command: 'sleep 1000' });
    await t.until(busy, 'processing');
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('retry <id> runs a completed job again: prints its id, pending with attempts 0, history and log kept', async () => {
    await enqueue(t, { id: 'again', command: 'echo run-of-again' });
    await t.until('again', 'completed');
    const r = await t.cli(['retry', 'again']);
    expect(r).toMatchObject({ code: 0, stdout: 'retrying again\n' });
    const done = await ranAgain('again', 'completed');
    expect(done.attempts).toBe(0);
    expect(done.attempt_history.map((a) => a.number)).toEqual([1, 2]);
    expect(await t.ok(['logs', 'again'])).toMatch(/^run-of-again\n\n── queuectl: run 2 · \S+ ──\nrun-of-again$/);
  });

  it('retry of dead, failed and canceled jobs, by unique prefix, prints the full ids; --json prints the jobs as an array', async () => {
    await enqueue(t, { id: 'rdead-1', command: 'exit 4', max_retries: 0 });
    await enqueue(t, { id: 'rfail-1', command: 'exit 5', max_retries: 3 });
    await t.until('rdead-1', 'dead');
    await t.until('rfail-1', 'failed');
    const r = await t.cli(['retry', 'rdead', 'rfail', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const jobs = JSON.parse(r.stdout) as Job[];
    expect(jobs.map((j) => [j.id, j.state, j.attempts])).toEqual([
      ['rdead-1', 'pending', 0],
      ['rfail-1', 'pending', 0],
    ]);
    const dead = await ranAgain('rdead-1', 'dead');
    expect(dead.attempts).toBe(1);
    const failed = await ranAgain('rfail-1', 'failed');
    expect(failed.attempts).toBe(1);

    await enqueue(t, { id: 'rcancel', command: 'sleep 1000' });
    await t.until('rcancel', 'processing');
    await t.ok(['cancel', 'rcancel']);
    // A canceled job whose processes are still being stopped is refused for a moment; then it runs again.
    await waitFor(async () => (await t.cli(['retry', 'rcancel'])).code === 0, 10_000, 'retry of the canceled job');
    await t.until('rcancel', 'processing');
    await t.ok(['cancel', 'rcancel']);
  });

  it('retry of several ids reports each: the good ones run again, every refusal is on stderr, exit 1', async () => {
    await enqueue(t, { id: 'multi-a', command: 'true' });
    await enqueue(t, { id: 'multi-b', command: 'exit 1', max_retries: 0 });
    await t.until('multi-a', 'completed');
    await t.until('multi-b', 'dead');
    const r = await t.cli(['retry', 'multi-a', 'nosuchjob', busy, 'multi-b']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('retrying multi-a\nretrying multi-b\n');
    expect(r.stderr).toMatch(/no job with id or prefix "nosuchjob"/);
    expect(r.stderr).toMatch(/job busy is processing: it is running now; cancel it first/);
    await ranAgain('multi-a', 'completed');
    await ranAgain('multi-b', 'dead');

    const json = await t.cli(['retry', 'multi-a', busy, '--json']);
    expect(json.code).toBe(1);
    expect(ids(JSON.parse(json.stdout) as Job[])).toEqual(['multi-a']);
    expect(json.stderr).toMatch(/job busy is processing/);
  });

  it('retry of one job named twice (id and prefix) retries it once and succeeds', async () => {
    // Long enough that it is still pending or running when the second name reaches the daemon.
    await enqueue(t, { id: 'twice-x', command: 'sleep 0.5' });
    await t.until('twice-x', 'completed');
    const r = await t.cli(['retry', 'twice-x', 'twice', 'twice-x']);
    expect(r).toMatchObject({ code: 0, stdout: 'retrying twice-x\n', stderr: '' });
    await ranAgain('twice-x', 'completed');
  });

  it('remove <id...> deletes finished jobs with their logs and prints each; rm is the same command', async () => {
    await enqueue(t, { id: 'gone-done', command: 'echo bye' });
    await enqueue(t, { id: 'gone-dead', command: 'exit 9', max_retries: 0 });
    await enqueue(t, { id: 'gone-canceled', command: 'sleep 1000', priority: -1 });
    await t.until('gone-done', 'completed');
    await t.until('gone-dead', 'dead');
    await t.ok(['cancel', 'gone-canceled']);
    expect(existsSync(logFile(t, 'gone-done'))).toBe(true);

    const r = await t.cli(['remove', 'gone-done', 'gone-de']);
    expect(r).toMatchObject({ code: 0, stdout: 'removed gone-done\nremoved gone-dead\n', stderr: '' });
    expect(existsSync(logFile(t, 'gone-done'))).toBe(false);
    expect(existsSync(logFile(t, 'gone-dead'))).toBe(false);
    for (const id of ['gone-done', 'gone-dead']) {
      const show = await t.cli(['show', id]);
      expect(show.code).toBe(1);
      expect(show.stderr).toMatch(/no job with id or prefix/);
    }

    await waitFor(async () => (await t.cli(['rm', 'gone-canceled', '--json'])).code === 0 || undefined, 10_000, 'rm of the canceled job');
    const listed = ids(await t.json<Job[]>(['list', '--limit', '1000']));
    expect(listed.filter((id) => id.startsWith('gone-'))).toEqual([]);
  });

  it('remove --json prints the removed ids', async () => {
    await enqueue(t, { id: 'json-rm', command: 'true' });
    await t.until('json-rm', 'completed');
    expect(await t.json(['rm', 'json-rm'])).toEqual({ removed: ['json-rm'] });
  });

  it('remove is all or none: one job that is running (or unknown) and nothing is removed, exit 1', async () => {
    await enqueue(t, { id: 'keep-me', command: 'true' });
    await t.until('keep-me', 'completed');

    const running = await t.cli(['remove', 'keep-me', busy]);
    expect(running.code).toBe(1);
    expect(running.stdout).toBe('');
    expect(running.stderr).toMatch(/job busy is processing; only completed, dead and canceled jobs can be removed \(cancel it first\)\. Nothing was removed/);

    const unknown = await t.cli(['remove', 'keep-me', 'nosuchjob']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/no job with id or prefix "nosuchjob"; nothing was removed/);

    expect((await t.show('keep-me')).state).toBe('completed');
    expect(existsSync(logFile(t, 'keep-me'))).toBe(true);
    expect((await t.show(busy)).state).toBe('processing');
  });

  it('dlq retry of several ids retries them all (--json: count and jobs), or none when one is not dead', async () => {
    for (const id of ['dl-1', 'dl-2', 'dl-3']) await enqueue(t, { id, command: 'exit 3', max_retries: 0 });
    await enqueue(t, { id: 'dl-ok', command: 'true' });
    for (const id of ['dl-1', 'dl-2', 'dl-3']) await t.until(id, 'dead');
    await t.until('dl-ok', 'completed');

    const refused = await t.cli(['dlq', 'retry', 'dl-1', 'dl-ok']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/job dl-ok is completed, not dead; only jobs in the DLQ can be retried\. Nothing was retried/);
    const unknown = await t.cli(['dlq', 'retry', 'dl-1', 'nosuchjob']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no job with id or prefix "nosuchjob"; nothing was retried/);
    expect((await t.show('dl-1')).state).toBe('dead');

    const r = await t.cli(['dlq', 'retry', 'dl-1', 'dl-2']);
    expect(r).toMatchObject({ code: 0, stdout: 'retrying dl-1\nretrying dl-2\n' });
    for (const id of ['dl-1', 'dl-2']) await ranAgain(id, 'dead');

    const json = await t.json<{ count: number; jobs: Job[] }>(['dlq', 'retry', 'dl-2', 'dl-3', 'dl-2']);
    expect(json.count).toBe(2);
    expect(json.jobs.map((j) => [j.id, j.state, j.attempts])).toEqual([
      ['dl-2', 'pending', 0],
      ['dl-3', 'pending', 0],
    ]);
    await ranAgain('dl-2', 'dead', 3);
    await ranAgain('dl-3', 'dead');
  });

  it('dlq retry <id> and --all still work as before', async () => {
    await enqueue(t, { id: 'one-dead', command: 'exit 2', max_retries: 0 });
    await t.until('one-dead', 'dead');
    expect(await t.ok(['dlq', 'retry', 'one-dead'])).toBe('retrying one-dead');
    await ranAgain('one-dead', 'dead');
    const dead = ids(await t.json<Job[]>(['dlq', 'list', '--limit', '1000']));
    const all = await t.json<{ count: number; jobs: Job[] }>(['dlq', 'retry', '--all']);
    expect(all.count).toBe(dead.length);
    expect(ids(all.jobs).sort()).toEqual([...dead].sort());
    for (const id of dead) await t.until(id, 'dead');
  });

  it('dlq purge without --yes refuses when stdin is not a terminal: exit 2, nothing deleted', async () => {
    const dead = await t.json<Job[]>(['dlq', 'list', '--limit', '1000']);
    expect(dead.length).toBeGreaterThan(0);
    const r = await t.cli(['dlq', 'purge']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/add --yes to confirm when stdin is not a terminal \(nothing was deleted\)/);
    expect(await t.json<Job[]>(['dlq', 'list', '--limit', '1000'])).toEqual(dead);
  });

  it.skipIf(!hasScript)('dlq purge on a terminal asks first: anything but y deletes nothing (exit 1)', async () => {
    const dead = await t.json<Job[]>(['dlq', 'list', '--limit', '1000']);
    for (const answer of ['n\n', '\n', 'whatever\n', '']) {
      const r = await onTerminal(t, ['dlq', 'purge'], answer);
      expect(r.stdout).toContain(`Delete all ${dead.length} dead jobs and their logs? [y/N]`);
      expect(r.stdout).toContain('nothing was deleted');
      expect(r.code).toBe(1);
    }
    expect(await t.json<Job[]>(['dlq', 'list', '--limit', '1000'])).toEqual(dead);
  });

  it('dlq purge --yes deletes every dead job and its log, prints the count, leaves other jobs alone', async () => {
    const dead = ids(await t.json<Job[]>(['dlq', 'list', '--limit', '1000']));
    const others = (await t.json<Job[]>(['list', '--limit', '1000'])).filter((j) => j.state !== 'dead');
    expect(dead.length).toBeGreaterThan(1);
    expect(dead.every((id) => existsSync(logFile(t, id)))).toBe(true);

    const r = await t.cli(['dlq', 'purge', '--yes']);
    expect(r).toMatchObject({ code: 0, stdout: `deleted ${dead.length} dead jobs\n` });
    expect(await t.json<Job[]>(['dlq', 'list'])).toEqual([]);
    expect(dead.some((id) => existsSync(logFile(t, id)))).toBe(false);
    const after = await t.json<Job[]>(['list', '--limit', '1000']);
    expect(ids(after).sort()).toEqual(ids(others).sort());

    expect(await t.json(['dlq', 'purge', '-y'])).toEqual({ count: 0 });
    expect(await t.ok(['dlq', 'purge', '--yes'])).toBe('deleted 0 dead jobs');
  });

  it.skipIf(!hasScript)('dlq purge on a terminal deletes after y', async () => {
    await enqueue(t, { id: 'tty-dead', command: 'exit 1', max_retries: 0 });
    await t.until('tty-dead', 'dead');
    const r = await onTerminal(t, ['dlq', 'purge'], 'y\n');
    expect(r.stdout).toContain('Delete the 1 dead job and its log? [y/N]');
    expect(r.stdout).toContain('deleted 1 dead job\n');
    expect(r.code).toBe(0);
    expect(await t.json<Job[]>(['dlq', 'list'])).toEqual([]);
  });
});

describe('list --search, --sort, --order, --offset', () => {
  const t = new TestHome();
  // Enqueue order a..f; commands, names and priorities chosen so every sort gives a different order.
  const specs: Spec[] = [
    { id: 'a', command: 'echo Banana', priority: 5 },
    { id: 'b', command: 'echo apple', name: 'fruit-ALPHA', priority: -3 },
    { id: 'c', command: 'exit 3', priority: 9, max_retries: 1 },
    { id: 'd', command: 'echo 100%_done', priority: 0 },
    { id: 'e', command: 'echo cherry', priority: 7 },
    { id: 'f', command: 'echo alphabet', priority: 1 },
  ];
  const list = (...args: string[]) => t.json<Job[]>(['list', ...args]).then(ids);

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    // One at a time in enqueue order would depend on priority; stop the worker's choice from mattering.
    await t.ok(['enqueue', '--stdin'], { input: specs.map((s) => JSON.stringify(s)).join('\n') + '\n' });
    await waitFor(async () => {
      const jobs = await t.json<Job[]>(['list']);
      return jobs.length === 6 && jobs.every((j) => j.state === 'completed' || j.state === 'dead');
    }, 30_000, 'every job to finish');
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('the default stays newest first, printed as an array of jobs', async () => {
    expect(await list()).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
    const jobs = await t.json<Job[]>(['list']);
    expect(Array.isArray(jobs)).toBe(true);
    expect(Object.keys(jobs[0]!)).toContain('command');
  });

  it('--search matches command or name, ignoring case; % and _ match themselves; combines with --state', async () => {
    expect(await list('--search', 'ALPH')).toEqual(['f', 'b']);
    expect(await list('--search', 'banana')).toEqual(['a']);
    expect(await list('--search', '%_')).toEqual(['d']);
    expect(await list('--search', '_')).toEqual(['d']);
    expect(await list('--search', 'no such text')).toEqual([]);
    expect(await list('--search', 'e', '--state', 'dead')).toEqual(['c']);
    expect(await list('--search', '')).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('--sort with --order desc (the default) and asc', async () => {
    expect(await list('--sort', 'priority')).toEqual(['c', 'e', 'a', 'f', 'd', 'b']);
    expect(await list('--sort', 'priority', '--order', 'asc')).toEqual(['b', 'd', 'f', 'a', 'e', 'c']);
    expect(await list('--sort', 'command', '--order', 'asc')).toEqual(['d', 'f', 'b', 'a', 'e', 'c']);
    expect(await list('--sort', 'created', '--order', 'asc')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await list('--order', 'asc')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect((await list('--sort', 'attempts'))[0]).toBe('c');
    expect((await list('--sort', 'state', '--order', 'asc'))[0]).toBe('a');
    expect((await list('--sort', 'state'))[0]).toBe('c');
    expect(await list('--sort', 'updated')).toHaveLength(6);
  });

  it('--offset pages through the matches; past the end is an empty page, not an error', async () => {
    expect(await list('--offset', '2', '--limit', '2')).toEqual(['d', 'c']);
    expect(await list('--order', 'asc', '--offset', '4')).toEqual(['e', 'f']);
    expect(await list('--sort', 'priority', '--offset', '1', '--limit', '1')).toEqual(['e']);
    expect(await list('--search', 'echo', '--offset', '3')).toEqual(['b', 'a']);
    expect(await list('--offset', '6')).toEqual([]);
    expect(await list('--offset', '0')).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('the table says which slice it shows and how to get the next page', async () => {
    const r = await t.cli(['list', '--offset', '2', '--limit', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['ID', 'd', 'c']);
    expect(r.stderr).toBe('showing 3-4 of 6; --offset 4 shows the next page\n');
    const last = await t.cli(['list', '--offset', '4']);
    expect(last.stderr).toBe('showing 5-6 of 6\n');
    const search = await t.cli(['list', '--search', 'alph', '--limit', '1']);
    expect(search.stderr).toBe('showing 1-1 of 2; --offset 1 shows the next page\n');
    const all = await t.cli(['list']);
    expect(all.stderr).toBe('');
  });
});
