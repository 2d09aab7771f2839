import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHome, isAlive, uniqueSleep, waitFor, type ShownJob } from '../helpers/daemon.js';

/**
 * Dependencies (`enqueue --after`) against the real daemon through the built CLI: chains run in order,
 * a parent's death or cancel cancels the jobs below it (naming their parents), `--with-dependents` brings
 * them back and they run, and deleting finished parents or a daemon crash never leaves a job waiting forever.
 */

const ms = (iso: string | null): number => Date.parse(iso ?? '');

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'qctl-deps-work-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A file the jobs of one test append their names to, and what it holds. */
function orderFile(name: string): { path: string; read: () => string[] } {
  const path = join(work, `${name}.txt`);
  return { path, read: () => readFileSync(path, 'utf8').split('\n').filter(Boolean) };
}

/** A command that fails (exit 3) the first time it runs and succeeds from then on. */
function failsOnce(name: string): string {
  const flag = join(work, `${name}.flag`);
  return `test -f ${flag} || { touch ${flag}; exit 3; }`;
}

describe('dependencies on one daemon', () => {
  const t = new TestHome();
  beforeAll(async () => {
    await t.start(2);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('a → b → c runs strictly in order on two workers, each starting after its parent finished; others are not held up', async () => {
    const file = orderFile('chain');
    // a runs until the test opens its gate, however slowly the enqueues and checks below go on a busy machine.
    const gate = `${file.path}.go`;
    const a = await t.ok(['enqueue', `while [ ! -e ${gate} ]; do sleep 0.05; done; echo a >> ${file.path}`]);
    const b = await t.ok(['enqueue', '--after', a.slice(0, 6), `echo b >> ${file.path}`]);
    const c = await t.ok(['enqueue', '--after', b, `sleep 0.2; echo c >> ${file.path}`]);
    const free = await t.ok(['enqueue', 'true']);
    expect(await t.show(b)).toMatchObject({ state: 'pending', depends_on: [a], waiting_on: 1 });
    expect(await t.show(c)).toMatchObject({ state: 'pending', depends_on: [b], waiting_on: 1 });
    // The free job runs beside a on the second worker instead of waiting behind the chain.
    const freeDone = await t.until(free, 'completed', 10_000);
    writeFileSync(gate, '');
    const [doneA, doneB, doneC] = [await t.until(a, 'completed'), await t.until(b, 'completed'), await t.until(c, 'completed')];
    expect(ms(freeDone.finished_at)).toBeLessThan(ms(doneA.finished_at));
    expect(file.read()).toEqual(['a', 'b', 'c']);
    expect(ms(doneB.started_at)).toBeGreaterThanOrEqual(ms(doneA.finished_at));
    expect(ms(doneC.started_at)).toBeGreaterThanOrEqual(ms(doneB.finished_at));
    expect(doneC.waiting_on).toBe(0);
  });

  it('a parent that dies cancels the chain, each naming its parent; without --with-dependents they stay canceled', async () => {
    const a = await t.ok(['enqueue', '--retries', '0', failsOnce('plain')]);
    const b = await t.ok(['enqueue', '--after', a, 'true']);
    const c = await t.ok(['enqueue', '--after', b, 'true']);
    await t.until(a, 'dead');
    expect(await t.show(b)).toMatchObject({ state: 'canceled', last_error: `canceled: parent ${a} is dead`, started_at: null });
    expect(await t.show(c)).toMatchObject({ state: 'canceled', last_error: `canceled: parent ${b} was canceled`, attempt_history: [] });

    const refused = await t.cli(['retry', b]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `queuectl: error: job ${b} waits for parent ${a}, which is dead, so it would never start; retry the parent with its dependents instead (queuectl retry ${a} --with-dependents). Nothing was retried\n`,
    );

    expect(await t.ok(['dlq', 'retry', a])).toBe(`retrying ${a}`);
    await t.until(a, 'completed');
    expect((await t.show(b)).state).toBe('canceled');
    // Once the parent completed, the child may be retried on its own; its own child stays canceled.
    expect(await t.ok(['retry', b])).toBe(`retrying ${b}`);
    await t.until(b, 'completed');
    expect((await t.show(c)).state).toBe('canceled');
  });

  it('dlq retry --with-dependents brings the canceled chain back, and it then runs in order', async () => {
    const file = orderFile('revived');
    const a = await t.ok(['enqueue', '--retries', '0', `${failsOnce('revived')} && echo a >> ${file.path}`]);
    const b = await t.ok(['enqueue', '--after', a, `echo b >> ${file.path}`]);
    const c = await t.ok(['enqueue', '--after', b, `echo c >> ${file.path}`]);
    await t.until(a, 'dead');
    await t.until(c, 'canceled');

    expect((await t.ok(['dlq', 'retry', a, '--with-dependents'])).split('\n')).toEqual([`retrying ${a}`, '2 canceled dependents are pending again']);
    await t.until(c, 'completed');
    expect(file.read()).toEqual(['a', 'b', 'c']);
    expect((await t.show(b)).last_error).toBeNull();
  });

  it('dlq retry --json tells how many dependents came back', async () => {
    const a = await t.ok(['enqueue', '--retries', '0', failsOnce('json')]);
    const b = await t.ok(['enqueue', '--after', a, 'true']);
    await t.until(a, 'dead');
    await t.until(b, 'canceled');
    const result = await t.json<{ count: number; dependents: number; jobs: ShownJob[] }>(['dlq', 'retry', a, '--with-dependents']);
    expect(result).toMatchObject({ count: 1, dependents: 1 });
    expect(result.jobs.map((j) => j.id)).toEqual([a]);
    await t.until(b, 'completed');
  });

  it('canceling a waiting parent cancels its children at once (a waiting `wait` hears it); retry --with-dependents brings them back', async () => {
    // Delayed, and long-running once retried (a retry is due at once), so the children stay waiting.
    const parent = await t.ok(['enqueue', '--delay', '1h', uniqueSleep()]);
    const child = await t.ok(['enqueue', '--after', parent, 'true']);
    const grandchild = await t.ok(['enqueue', '--after', child, 'true']);
    const waiting = t.cli(['wait', grandchild]);
    await new Promise((r) => setTimeout(r, 300));
    const canceledAt = Date.now();
    await t.ok(['cancel', parent]);
    const waited = await waiting;
    expect(waited.code).toBe(1);
    expect(Date.now() - canceledAt).toBeLessThan(3000);
    expect(await t.show(child)).toMatchObject({ state: 'canceled', last_error: `canceled: parent ${parent} was canceled` });
    expect(await t.show(grandchild)).toMatchObject({ state: 'canceled', last_error: `canceled: parent ${child} was canceled` });

    expect(await t.ok(['retry', parent, '--with-dependents'])).toBe(`retrying ${parent} (and 2 canceled dependents)`);
    expect(await t.show(child)).toMatchObject({ state: 'pending', waiting_on: 1 });
    expect(await t.show(grandchild)).toMatchObject({ state: 'pending', waiting_on: 1 });
    await t.ok(['cancel', parent]);
    await t.until(grandchild, 'canceled');
  });

  it('enqueue after a parent that is already dead: the job exists, canceled at once, with a warning on stderr (exit 0)', async () => {
    const dead = await t.ok(['enqueue', '--retries', '0', 'exit 4']);
    await t.until(dead, 'dead');
    const r = await t.cli(['enqueue', '--after', dead, 'true']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(r.stderr).toBe(`queuectl: warning: job ${id} was canceled at once: parent ${dead} is dead; retry that parent with --with-dependents to run both\n`);
    expect(await t.show(id)).toMatchObject({ state: 'canceled', depends_on: [dead], last_error: `canceled: parent ${dead} is dead` });
  });

  it('--stdin: a job may wait for ids chosen on earlier lines, and --after applies to every line', async () => {
    const file = orderFile('stdin');
    const gate = await t.ok(['enqueue', '--delay', '1s', 'true']);
    const input = [
      JSON.stringify({ id: 'st-one', command: `sleep 0.5; echo one >> ${file.path}` }),
      JSON.stringify({ id: 'st-two', command: `echo two >> ${file.path}`, after: ['st-one'] }),
      JSON.stringify({ command: `echo three >> ${file.path}`, after: ['st-t'] }),
    ].join('\n');
    const ids = (await t.ok(['enqueue', '--stdin', '--after', gate], { input })).split('\n');
    expect(ids.slice(0, 2)).toEqual(['st-one', 'st-two']);
    expect((await t.show('st-one')).depends_on).toEqual([gate]);
    expect((await t.show('st-two')).depends_on).toEqual(['st-one', gate]);
    expect((await t.show(ids[2]!)).depends_on).toEqual(['st-two', gate]);
    await t.until(ids[2]!, 'completed');
    expect(file.read()).toEqual(['one', 'two', 'three']);
  });

  it('--stdin with a parent already canceled: every job is stored, the canceled ones are warned about', async () => {
    const gone = await t.ok(['enqueue', '--delay', '1h', 'true']);
    await t.ok(['cancel', gone]);
    const input = [JSON.stringify({ id: 'sc-a', command: 'true', after: [gone] }), JSON.stringify({ id: 'sc-b', command: 'true', after: ['sc-a'] }), 'true'].join('\n');
    const r = await t.cli(['enqueue', '--stdin'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['sc-a', 'sc-b']);
    expect(r.stderr).toBe(
      `queuectl: warning: job sc-a was canceled at once: parent ${gone} was canceled; retry that parent with --with-dependents to run both\n` +
        'queuectl: warning: job sc-b was canceled at once: parent sc-a was canceled; retry that parent with --with-dependents to run both\n',
    );
  });

  it('--stdin names at most 20 jobs canceled at once, then counts the rest', async () => {
    const gone = await t.ok(['enqueue', '--delay', '1h', 'true']);
    await t.ok(['cancel', gone]);
    const r = await t.cli(['enqueue', '--stdin', '--after', gone], { input: 'true\n'.repeat(23) });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(23);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(21);
    expect(warnings[0]).toMatch(new RegExp(`^queuectl: warning: job \\w+ was canceled at once: parent ${gone} was canceled;`));
    expect(warnings[20]).toBe('queuectl: warning: … and 3 more jobs were canceled at once (23 in all)');
  });

  it('--queue puts the job in that queue, over a JSON spec\'s own', async () => {
    const id = await t.ok(['enqueue', '--queue', 'deps-q', '{"command":"true","queue":"other"}']);
    expect((await t.show(id)).queue).toBe('deps-q');
  });
});

/** A command that succeeds the first time it runs and fails (exit 3) from then on. */
function succeedsOnce(name: string): string {
  const flag = join(work, `${name}.flag`);
  return `test -f ${flag} && exit 3; touch ${flag}`;
}

describe('a parent run again, dlq retry --all, batches and --json (review fixes)', () => {
  const t = new TestHome();
  beforeAll(async () => {
    await t.start(2);
  });
  afterAll(async () => {
    await t.dispose();
  });

  // First: it needs a DLQ holding only its own jobs.
  it('dlq retry --all leaves a dead job whose dead parent stays dead (its own parent canceled), and says why', async () => {
    const p = await t.ok(['enqueue', 'true']);
    const c = await t.ok(['enqueue', '--retries', '0', '--after', p, succeedsOnce('stuck-c')]);
    const g = await t.ok(['enqueue', '--retries', '0', '--after', c, 'exit 3']);
    await t.until(g, 'dead');
    expect(await t.ok(['retry', c])).toBe(`retrying ${c}`);
    await t.until(c, 'dead');
    await t.ok(['pause']);
    try {
      await t.ok(['retry', p]);
      await t.ok(['cancel', p]);
      const r = await t.cli(['dlq', 'retry', '--all']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('queuectl: nothing to retry: each of the 2 dead jobs waits for a parent that is canceled or stays dead (queuectl dlq list; retry that parent first)\n');
      expect((await t.show(c)).state).toBe('dead');
      expect(await t.show(g)).toMatchObject({ state: 'dead', attempts: 1 });
      expect(await t.json<{ count: number; jobs: unknown[] }>(['dlq', 'retry', '--all'])).toMatchObject({ count: 0, jobs: [] });
    } finally {
      await t.ok(['resume']);
    }
    await t.ok(['dlq', 'purge', '--yes']);
  });

  it('a released child held by its paused queue is held again when its parent is retried, and canceled when that run dies', async () => {
    await t.ok(['queue', 'set', 'hold', '--parallel', 'all']);
    await t.ok(['pause', '--queue', 'hold']);
    const p = await t.ok(['enqueue', '--retries', '0', succeedsOnce('held-p')]);
    const c = await t.ok(['enqueue', '--queue', 'hold', '--after', p, 'true']);
    await t.until(p, 'completed');
    expect(await t.show(c)).toMatchObject({ state: 'pending', waiting_on: 0 });
    expect(await t.ok(['retry', p])).toBe(`retrying ${p}`);
    await t.until(p, 'dead');
    expect(await t.show(c)).toMatchObject({ state: 'canceled', waiting_on: 1, last_error: `canceled: parent ${p} is dead` });
    await t.ok(['resume', '--queue', 'hold']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await t.show(c)).toMatchObject({ state: 'canceled', attempt_history: [] });
  });

  it('--stdin after a canceled parent: each job stored canceled runs on_finish, as a single enqueue\'s does', async () => {
    await t.ok(['config', 'set', 'on_finish', 'touch "$QUEUECTL_HOME/hook-$QUEUECTL_JOB_ID-$QUEUECTL_STATE"']);
    try {
      const gone = await t.ok(['enqueue', '--delay', '1h', 'true']);
      await t.ok(['cancel', gone]);
      const single = await t.ok(['enqueue', '--after', gone, 'true']);
      const input = [JSON.stringify({ id: 'hk-a', command: 'true', after: [gone] }), JSON.stringify({ id: 'hk-b', command: 'true', after: ['hk-a'] })].join('\n');
      expect((await t.ok(['enqueue', '--stdin'], { input })).split('\n')).toEqual(['hk-a', 'hk-b']);
      for (const id of [gone, single, 'hk-a', 'hk-b']) {
        await waitFor(() => existsSync(join(t.home, `hook-${id}-canceled`)), 10_000, `on_finish for ${id}`);
      }
    } finally {
      await t.ok(['config', 'set', 'on_finish', '']);
    }
  });

  it('retry --with-dependents --json: each job also says how many dependents came back; without it, the jobs as before', async () => {
    // Long-running once retried (a retry is due at once), so the child stays waiting until p is canceled again.
    const p = await t.ok(['enqueue', '--delay', '1h', uniqueSleep()]);
    const c = await t.ok(['enqueue', '--after', p, 'true']);
    await t.ok(['cancel', p]);
    await t.until(c, 'canceled');
    const withDeps = await t.json<Array<ShownJob & { dependents: number }>>(['retry', p, '--with-dependents']);
    expect(withDeps.map((j) => [j.id, j.state, j.dependents])).toEqual([[p, 'pending', 1]]);
    expect((await t.show(c)).state).toBe('pending');
    await t.ok(['cancel', p]);
    await t.until(c, 'canceled');
    // A canceled run whose processes are still being killed is refused for a moment.
    const plain = await waitFor(async () => {
      const r = await t.cli(['retry', p, '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as ShownJob[]);
    }, 10_000, 'the canceled run to be gone');
    expect(plain.map((j) => j.id)).toEqual([p]);
    expect(plain[0]).not.toHaveProperty('dependents');
    await t.ok(['cancel', p]);
  });
});

describe('deleting finished parents and crashes never leave a job waiting forever', () => {
  let t: TestHome;
  afterAll(async () => {
    await t.dispose();
  });

  it('remove and clean of completed parents: the child goes on when its last parent completes', async () => {
    t = new TestHome();
    await t.start(1);
    const removed = await t.ok(['enqueue', 'true']);
    const cleaned = await t.ok(['enqueue', 'true']);
    await t.until(removed, 'completed');
    await t.until(cleaned, 'completed');
    // The last parent runs until the test opens its gate, however slowly the commands below go on a busy machine.
    const gate = join(work, 'last-parent.go');
    const last = await t.ok(['enqueue', `while [ ! -e ${gate} ]; do sleep 0.05; done`]);
    const child = await t.ok(['enqueue', '--after', removed, '--after', cleaned, '--after', last, 'true']);
    expect(await t.show(child)).toMatchObject({ waiting_on: 1, depends_on: [removed, cleaned, last] });
    expect(await t.ok(['remove', removed])).toBe(`removed ${removed}`);
    await t.ok(['clean', '--yes']);
    await expect(t.show(cleaned)).rejects.toThrow(/no job/);
    expect(await t.show(child)).toMatchObject({ state: 'pending', waiting_on: 1 });
    writeFileSync(gate, '');
    await t.until(child, 'completed', 10_000);
  });

  it('kill -9 of the daemon while a parent runs: at start-up it is dead and its child canceled, naming it', async () => {
    const pid = Number((await t.json<{ pid: number }>(['status'])).pid);
    const parent = await t.ok(['enqueue', '--retries', '0', uniqueSleep()]);
    const child = await t.ok(['enqueue', '--after', parent, 'true']);
    await t.until(parent, 'processing');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    await t.start(1);
    expect((await t.show(parent)).state).toBe('dead');
    expect(await t.show(child)).toMatchObject({ state: 'canceled', last_error: `canceled: parent ${parent} is dead` });
    expect(t.daemonLog()).toContain(`recovered job ${child}: canceled: parent ${parent} is dead`);
  });
});
