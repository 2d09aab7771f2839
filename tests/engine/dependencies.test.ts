import type Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { JOB_LIMITS, QueueError } from '../../protocol/index.js';
import { describeForwardReference, findForwardReference } from '../../protocol/dependencies.js';
import { Settings } from '../../electron/engine/config/settings.js';
import { validateSpec } from '../../electron/engine/job-spec.js';
import { inBatch, resolveParents } from '../../electron/engine/rpc/parents.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { CANCELED_CHILDREN_SQL, PENDING_CHILDREN_SQL } from '../../electron/engine/store/transitions/dependencies.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { Store } from '../../electron/engine/store/index.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { newJob as baseJob, useTempStore } from '../helpers/store.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { queueErrorOf, queueErrorOfAsync } from '../helpers/queue-error.js';

/**
 * Dependencies (`enqueue --after`) in the store, on a real SQLite file: who waits for whom, what a parent's
 * end does to its children (and theirs), bringing canceled children back, refusals that keep a job from
 * waiting forever, and how a batch's parents are resolved and checked.
 */

const T0 = 1_700_000_000_000;
const COMPLETED: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1' };
const noDelay = (): number => 0;

let db: Database.Database;
let store: Store;
let settings: Settings;
/** Attempt numbers of the runs claimed and not finished yet, by job id. */
let running: Map<string, number>;

useTempStore('qctl-deps-', (t) => {
  ({ db, store } = t);
  running = new Map();
});
beforeEach(async () => {
  settings = await Settings.load(sqliteStore(db), () => {});
});

function newJob(id: string, after: string[] = [], over: Partial<NewJob> = {}): NewJob {
  return baseJob({ id, command: `echo ${id}`, after, ...over });
}

function add(id: string, after: string[] = [], over: Partial<NewJob> = {}, now = T0): JobRow {
  return store.enqueue(newJob(id, after, over), now);
}

function job(id: string): JobRow {
  const row = store.getJob(id);
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

/** Claims every job that can start now (as many workers as it takes); their ids, in claim order. */
function claimAll(now = T0): string[] {
  const ids: string[] = [];
  for (let worker = 1; ; worker++) {
    const claimed = store.claim(worker, now);
    if (!claimed) return ids;
    running.set(claimed.job.id, claimed.attempt);
    ids.push(claimed.job.id);
  }
}

/** Ends a claimed run as the scheduler does: the result and its dependents in one transaction; what changed. */
function finish(id: string, result: RunResult, now = T0): JobRow[] {
  const attempt = running.get(id);
  if (attempt === undefined) throw new Error(`${id} is not running`);
  running.delete(id);
  return db.transaction(() => {
    const row = store.finish(id, attempt, result, now, noDelay)!;
    return [row, ...store.settleDependents(row, now)];
  })();
}

/** Cancels as the cancel handler does; the children it canceled. */
function cancel(id: string, now = T0): JobRow[] {
  return db.transaction(() => store.settleDependents(store.cancel(id, now)!, now))();
}

/** Runs one job to completion (it must be the only one that can start). */
function complete(id: string, now = T0): JobRow[] {
  expect(claimAll(now)).toEqual([id]);
  return finish(id, COMPLETED, now);
}

function kill(id: string, now = T0): JobRow[] {
  expect(claimAll(now)).toEqual([id]);
  return finish(id, FAILED, now);
}

const thrown = queueErrorOf;

const states = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, job(id).state]));

/** p → c → g run and killed from the bottom up: g dead, c rerun and dead, p retried (pending again at T0 + 3). */
function deadChainWithParentRetried(): void {
  add('p');
  add('c', ['p']);
  add('g', ['c']);
  complete('p');
  complete('c');
  kill('g');
  store.retryJob('c', T0 + 1);
  kill('c', T0 + 2);
  store.retryJob('p', T0 + 3);
}

describe('waiting for parents', () => {
  it('stores parents in order, one edge each, and counts the ones not completed', () => {
    add('done');
    complete('done');
    add('open');
    const child = add('child', ['open', 'done']);
    expect(child).toMatchObject({ state: 'pending', depends_on: JSON.stringify(['open', 'done']), waiting_on: 1, canceled_by: null });
    expect(db.prepare(`SELECT parent_id FROM job_deps WHERE child_id = 'child' ORDER BY parent_id`).all()).toEqual([{ parent_id: 'done' }, { parent_id: 'open' }]);
    expect(add('free', ['done']).waiting_on).toBe(0);
    expect(add('plain').depends_on).toBeNull();
  });

  it('a chain a → b → c runs strictly in order, each released only when its parent completed', () => {
    add('a');
    add('b', ['a']);
    add('c', ['b']);
    expect(claimAll()).toEqual(['a']);
    expect(claimAll()).toEqual([]);
    const changed = finish('a', COMPLETED, T0 + 1);
    expect(changed.map((r) => [r.id, r.state, r.waiting_on])).toEqual([['a', 'completed', 0], ['b', 'pending', 0]]);
    expect(job('c').waiting_on).toBe(1);
    expect(claimAll(T0 + 2)).toEqual(['b']);
    finish('b', COMPLETED, T0 + 3);
    expect(claimAll(T0 + 4)).toEqual(['c']);
    finish('c', COMPLETED, T0 + 5);
    expect(states('a', 'b', 'c')).toEqual({ a: 'completed', b: 'completed', c: 'completed' });
  });

  it('a diamond: the join waits for both sides, whichever order they finish in', () => {
    add('root');
    add('left', ['root']);
    add('right', ['root']);
    add('join', ['left', 'right']);
    complete('root');
    expect(job('join').waiting_on).toBe(2);
    expect(claimAll().sort()).toEqual(['left', 'right']);
    finish('right', COMPLETED);
    expect(job('join').waiting_on).toBe(1);
    expect(claimAll()).toEqual([]);
    finish('left', COMPLETED);
    expect(job('join').waiting_on).toBe(0);
    expect(claimAll()).toEqual(['join']);
  });

  it('a failed parent with retries left keeps its children waiting; they go on when it finally completes', () => {
    add('flaky', [], { max_retries: 1 });
    add('child', ['flaky']);
    expect(kill('flaky').map((r) => r.state)).toEqual(['failed']);
    expect(job('child')).toMatchObject({ state: 'pending', waiting_on: 1 });
    complete('flaky');
    expect(job('child').waiting_on).toBe(0);
  });

  it('counts are taken afresh: settling a parent twice never releases a child early', () => {
    add('a');
    add('b');
    add('child', ['a', 'b']);
    expect(claimAll().sort()).toEqual(['a', 'b']);
    finish('a', COMPLETED);
    const again = db.transaction(() => store.settleDependents(job('a'), T0))();
    expect(again).toEqual([]);
    expect(job('child').waiting_on).toBe(1);
  });

  it('a completed parent run again: every child not started yet waits for its new run, released or not', () => {
    add('a');
    add('b');
    add('released', ['a']);
    add('waiting', ['a', 'b']);
    expect(claimAll().sort()).toEqual(['a', 'b']);
    finish('a', COMPLETED);
    expect(job('released').waiting_on).toBe(0);
    expect(job('waiting').waiting_on).toBe(1);
    const held = db.transaction(() => {
      store.retryJob('a', T0 + 1);
      return store.recountChildren('a', T0 + 1);
    })();
    expect(held.map((r) => [r.id, r.waiting_on])).toEqual([['released', 1], ['waiting', 2]]);
    expect(claimAll(T0 + 2)).toEqual(['a']);
    finish('b', COMPLETED, T0 + 3);
    expect(job('waiting').waiting_on).toBe(1);
    const changed = finish('a', COMPLETED, T0 + 4);
    expect(changed.map((r) => [r.id, r.waiting_on])).toEqual([['a', 0], ['released', 0], ['waiting', 0]]);
    expect(claimAll(T0 + 5).sort()).toEqual(['released', 'waiting']);
  });

  it('a released child held by its own run_at is held again when its parent is retried, and canceled when that run dies', () => {
    add('p');
    add('c', ['p'], { run_at: T0 + 60_000 });
    complete('p');
    expect(job('c')).toMatchObject({ state: 'pending', waiting_on: 0 });
    const held = db.transaction(() => {
      store.retryJob('p', T0 + 1);
      return store.recountChildren('p', T0 + 1);
    })();
    expect(held.map((r) => [r.id, r.state, r.waiting_on])).toEqual([['c', 'pending', 1]]);
    const changed = kill('p', T0 + 2);
    expect(changed.map((r) => [r.id, r.state, r.canceled_by, r.last_error])).toEqual([
      ['p', 'dead', null, 'exit code 1'],
      ['c', 'canceled', 'p', 'canceled: parent p is dead'],
    ]);
    expect(claimAll(T0 + 60_000)).toEqual([]);
  });

  it('a dead or canceled parent cancels a pending child even when its count says released (never runs after a parent that did not complete)', () => {
    add('p', [], { run_at: T0 + 60_000 });
    add('c', ['p']);
    db.prepare(`UPDATE jobs SET waiting_on = 0 WHERE id = 'c'`).run();
    expect(cancel('p').map((r) => [r.id, r.state, r.canceled_by])).toEqual([['c', 'canceled', 'p']]);
  });

  it('a child that already started (failed, waiting for its retry) is left alone when its parent is retried: it ran once after every parent completed', () => {
    add('p');
    add('c', ['p'], { max_retries: 1 });
    complete('p');
    expect(kill('c').map((r) => r.state)).toEqual(['failed']);
    const held = db.transaction(() => {
      store.retryJob('p', T0 + 1);
      return store.recountChildren('p', T0 + 1);
    })();
    expect(held).toEqual([]);
    expect(job('c')).toMatchObject({ state: 'failed', waiting_on: 0 });
    expect(claimAll(T0 + 2).sort()).toEqual(['c', 'p']);
  });
});

describe('a parent that ends dead or canceled', () => {
  it('cancels the chain below it, each job naming its own parent, and returns every child it changed', () => {
    add('a');
    add('b', ['a']);
    add('c', ['b']);
    add('d', ['c']);
    add('other', [], { run_at: T0 + 60_000 });
    const changed = kill('a', T0 + 10);
    expect(changed.map((r) => [r.id, r.state, r.canceled_by, r.last_error])).toEqual([
      ['a', 'dead', null, 'exit code 1'],
      ['b', 'canceled', 'a', 'canceled: parent a is dead'],
      ['c', 'canceled', 'b', 'canceled: parent b was canceled'],
      ['d', 'canceled', 'c', 'canceled: parent c was canceled'],
    ]);
    expect(job('d')).toMatchObject({ finished_at: T0 + 10, updated_at: T0 + 10, started_at: null, attempts: 0 });
    expect(db.prepare(`SELECT count(*) AS n FROM attempts WHERE job_id IN ('b','c','d')`).get()).toEqual({ n: 0 });
    expect(job('other').state).toBe('pending');
  });

  it('in a diamond, the join is canceled once, by the first side to die; the other side goes on', () => {
    add('root');
    add('left', ['root']);
    add('right', ['root']);
    add('join', ['left', 'right']);
    complete('root');
    expect(claimAll().sort()).toEqual(['left', 'right']);
    expect(finish('left', FAILED).map((r) => r.id)).toEqual(['left', 'join']);
    expect(job('join')).toMatchObject({ state: 'canceled', canceled_by: 'left' });
    expect(finish('right', FAILED).map((r) => r.id)).toEqual(['right']);
    expect(job('join').canceled_by).toBe('left');
  });

  it('a user cancel of a pending parent cancels its children, "was canceled"', () => {
    add('parent', [], { run_at: T0 + 60_000 });
    add('child', ['parent']);
    expect(cancel('parent').map((r) => [r.id, r.last_error])).toEqual([['child', 'canceled: parent parent was canceled']]);
  });

  it('a child the user canceled first stays as it was; a parent canceled after leaves it alone', () => {
    add('parent', [], { run_at: T0 + 60_000 });
    add('child', ['parent']);
    add('grandchild', ['child']);
    expect(cancel('child').map((r) => [r.id, r.canceled_by])).toEqual([['grandchild', 'child']]);
    expect(job('child')).toMatchObject({ canceled_by: null, last_error: 'canceled by the user' });
    expect(cancel('parent')).toEqual([]);
  });

  it('start-up recovery: an interrupted parent with no retries left is dead and its children are canceled in the same step', () => {
    add('a');
    add('b', ['a']);
    add('c', ['b']);
    claimAll();
    const { jobs } = store.recover(T0 + 5, noDelay);
    expect(jobs.map((r) => [r.id, r.state, r.last_error])).toEqual([
      ['a', 'dead', 'interrupted: the daemon stopped unexpectedly during the run'],
      ['b', 'canceled', 'canceled: parent a is dead'],
      ['c', 'canceled', 'canceled: parent b was canceled'],
    ]);
  });

  it('start-up recovery: an interrupted parent with retries left keeps its children waiting', () => {
    add('a', [], { max_retries: 2 });
    add('b', ['a']);
    claimAll();
    expect(store.recover(T0 + 5, noDelay).jobs.map((r) => r.id)).toEqual(['a']);
    expect(job('b')).toMatchObject({ state: 'pending', waiting_on: 1 });
  });
});

describe('enqueue with a parent that already ended', () => {
  it('stores the child canceled at once, naming the parent, with its edges; the same for a batch, transitively', () => {
    add('dead');
    kill('dead');
    add('gone', [], { run_at: T0 + 60_000 });
    cancel('gone');
    expect(add('late', ['dead'], {}, T0 + 1)).toMatchObject({
      state: 'canceled', canceled_by: 'dead', last_error: 'canceled: parent dead is dead', finished_at: T0 + 1, waiting_on: 1,
    });
    expect(add('late2', ['gone'])).toMatchObject({ state: 'canceled', last_error: 'canceled: parent gone was canceled' });
    store.enqueueMany([newJob('x', ['dead']), newJob('y', ['x']), newJob('z')], T0 + 2);
    expect(job('x')).toMatchObject({ state: 'canceled', canceled_by: 'dead' });
    expect(job('y')).toMatchObject({ state: 'canceled', canceled_by: 'x', last_error: 'canceled: parent x was canceled' });
    expect(job('z').state).toBe('pending');
  });

  it('a parent that does not exist (deleted after it was resolved) is INVALID_ARGUMENT and nothing is stored', () => {
    const err = thrown(() => store.enqueueMany([newJob('ok'), newJob('child', ['missing'])], T0));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('parent job "missing" does not exist (any more); nothing was enqueued');
    expect(store.getJob('ok')).toBeNull();
  });
});

describe('bringing canceled dependents back', () => {
  function deadChain(): void {
    add('a');
    add('b', ['a']);
    add('c', ['b']);
    kill('a');
  }

  it('dlq retry with dependents: the whole chain is pending again, waiting as before, and then runs in order', () => {
    deadChain();
    const { rows, restored } = db.transaction(() => {
      const rows = [store.retryDead('a', T0 + 100)!];
      return { rows, restored: store.restoreDependents(['a'], T0 + 100).restored };
    })();
    expect(rows[0]).toMatchObject({ id: 'a', state: 'pending' });
    expect(restored.map((r) => [r.id, r.state, r.waiting_on, r.canceled_by, r.last_error])).toEqual([
      ['b', 'pending', 1, null, null],
      ['c', 'pending', 1, null, null],
    ]);
    complete('a', T0 + 200);
    complete('b', T0 + 300);
    complete('c', T0 + 400);
  });

  it('without it the children stay canceled, and a child retried directly is refused while its parent is dead', () => {
    deadChain();
    store.retryDead('a', T0 + 100);
    kill('a', T0 + 200);
    expect(states('b', 'c')).toEqual({ b: 'canceled', c: 'canceled' });
    const err = thrown(() => store.retryJob('b', T0 + 300));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe(
      'job b waits for parent a, which is dead, so it would never start; retry the parent with its dependents instead (queuectl retry a --with-dependents). Nothing was retried',
    );
    expect(err.details).toMatchObject({ id: 'b', parent: 'a', parent_state: 'dead' });
    expect(job('b').state).toBe('canceled');
  });

  it('a child retried directly once its parent is back waits for it; the grandchild only comes back with its own parent', () => {
    deadChain();
    store.retryDead('a', T0 + 100);
    expect(store.retryJob('b', T0 + 101)).toMatchObject({ state: 'pending', waiting_on: 1, canceled_by: null });
    expect(job('c')).toMatchObject({ state: 'canceled', canceled_by: 'b' });
    complete('a', T0 + 200);
    complete('b', T0 + 300);
    expect(job('c').state).toBe('canceled');
  });

  it('a job with a second parent still dead stays canceled, now blamed on that parent, and comes back with it', () => {
    add('p1');
    add('p2');
    add('child', ['p1', 'p2']);
    expect(claimAll().sort()).toEqual(['p1', 'p2']);
    finish('p1', FAILED);
    finish('p2', FAILED);
    expect(job('child').canceled_by).toBe('p1');
    const first = db.transaction(() => (store.retryDead('p1', T0 + 1), store.restoreDependents(['p1'], T0 + 1)))();
    expect(first.restored).toEqual([]);
    // Still canceled, but blamed on the other parent now: returned, so the caller announces it.
    expect(first.reblamed.map((r) => [r.id, r.state, r.canceled_by, r.last_error, r.updated_at])).toEqual([
      ['child', 'canceled', 'p2', 'canceled: parent p2 is dead', T0 + 1],
    ]);
    expect(job('child')).toMatchObject({ state: 'canceled', canceled_by: 'p2', last_error: 'canceled: parent p2 is dead' });
    const second = db.transaction(() => (store.retryDead('p2', T0 + 2), store.restoreDependents(['p2'], T0 + 2)))();
    expect(second.restored.map((r) => [r.id, r.waiting_on])).toEqual([['child', 2]]);
    expect(second.reblamed).toEqual([]);
  });

  it('jobs the user canceled are never brought back; a restored job keeps a run_at still ahead', () => {
    add('a');
    add('mine', ['a']);
    add('later', ['a'], { run_at: T0 + 3_600_000 });
    cancel('mine');
    kill('a');
    expect(job('mine').canceled_by).toBeNull();
    const { restored } = db.transaction(() => (store.retryDead('a', T0 + 10), store.restoreDependents(['a'], T0 + 10)))();
    expect(restored.map((r) => [r.id, r.run_at])).toEqual([['later', T0 + 3_600_000]]);
    expect(job('mine').state).toBe('canceled');
  });

  it('a canceled parent (job.retry with dependents) brings back what its cancel canceled', () => {
    add('p', [], { run_at: T0 + 60_000 });
    add('c', ['p']);
    cancel('p');
    const { restored } = db.transaction(() => (store.retryJob('p', T0 + 1), store.restoreDependents(['p'], T0 + 1)))();
    expect(restored.map((r) => [r.id, r.state, r.waiting_on])).toEqual([['c', 'pending', 1]]);
  });

  it('dlq retry of several: a dead child together with its dead parent is fine; alone, it is refused and nothing is retried', () => {
    add('p', [], { max_retries: 0 });
    add('c', ['p']);
    complete('p');
    kill('c');
    store.retryJob('p', T0 + 1);
    kill('p', T0 + 2);
    const err = thrown(() => store.retryDeadMany(['c'], T0 + 3));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toMatch(/^job c waits for parent p, which is dead, so it would never start; retry the parent first \(queuectl retry p\)\. Nothing was retried$/);
    expect(states('p', 'c')).toEqual({ p: 'dead', c: 'dead' });
    const rows = store.retryDeadMany(['c', 'p'], T0 + 4);
    expect(rows.map((r) => [r.id, r.state, r.waiting_on])).toEqual([['c', 'pending', 1], ['p', 'pending', 0]]);
  });

  it('dlq retry --all leaves in the DLQ only dead jobs with a canceled parent, and recounts the rest', () => {
    add('p');
    add('c', ['p']);
    complete('p');
    kill('c');
    store.retryJob('p', T0 + 1);
    kill('p', T0 + 2);
    add('q');
    add('d', ['q']);
    complete('q');
    kill('d');
    store.retryJob('q', T0 + 1);
    cancel('q', T0 + 2);
    const rows = store.retryAllDead(T0 + 3);
    expect(rows.map((r) => [r.id, r.waiting_on]).sort()).toEqual([['c', 1], ['p', 0]]);
    expect(job('d').state).toBe('dead');
  });
  it('dlq retry --all leaves a dead job in the DLQ when its dead parent stays there too (p canceled → c dead → g dead)', () => {
    deadChainWithParentRetried();
    cancel('p', T0 + 4);
    add('lone');
    kill('lone', T0 + 5);
    const before = job('g');
    const rows = store.retryAllDead(T0 + 6);
    expect(rows.map((r) => [r.id, r.state])).toEqual([['lone', 'pending']]);
    expect(states('p', 'c', 'g')).toEqual({ p: 'canceled', c: 'dead', g: 'dead' });
    expect(job('g')).toEqual(before);
  });

  it('dlq retry --all: a dead child comes back with its dead parent, and their dead child too, each waiting as before', () => {
    deadChainWithParentRetried();
    kill('p', T0 + 4);
    const rows = store.retryAllDead(T0 + 5);
    expect(rows.map((r) => [r.id, r.state, r.waiting_on]).sort()).toEqual([['c', 'pending', 1], ['g', 'pending', 1], ['p', 'pending', 0]]);
  });
});

describe('cost of a parent ending', () => {
  it('children are found from the parent edges, never by walking every pending job', () => {
    // The plan, not a timing: SQLite's own choice started from jobs_state_seq (every pending job) and made
    // each finished run cost ~250 µs per 5,000 pending jobs, with or without dependencies.
    for (const [sql, args] of [[PENDING_CHILDREN_SQL, ['p']], [CANCELED_CHILDREN_SQL, ['p', 'p']]] as const) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
      expect(plan[0], plan.join(' | ')).toMatch(/^SEARCH d USING PRIMARY KEY \(parent_id=\?\)/);
      expect(plan.join(' | ')).not.toMatch(/jobs_state_seq|SCAN c/);
    }
  });
});

describe('deleting finished parents', () => {
  it('a removed completed parent no longer counts; the child goes on when its other parent completes', () => {
    add('a');
    add('b', [], { run_at: T0 + 1000 });
    add('child', ['a', 'b']);
    complete('a');
    store.remove(['a']);
    expect(db.prepare(`SELECT count(*) AS n FROM job_deps WHERE parent_id = 'a'`).get()).toEqual({ n: 0 });
    expect(job('child').waiting_on).toBe(1);
    complete('b', T0 + 1000);
    expect(job('child').waiting_on).toBe(0);
  });

  it('a canceled child whose dead parent was purged can be retried and runs', () => {
    add('a');
    add('child', ['a']);
    kill('a');
    store.purgeDead();
    expect(store.retryJob('child', T0 + 1)).toMatchObject({ state: 'pending', waiting_on: 0 });
    complete('child', T0 + 2);
  });
});

describe('validateSpec: after', () => {
  const refusal = (after: unknown): string => {
    try {
      validateSpec({ command: 'true', after }, settings, T0);
    } catch (err) {
      expect((err as QueueError).code).toBe('INVALID_ARGUMENT');
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('keeps references as given, once each, in order; none is an empty list', () => {
    expect(validateSpec({ command: 'true', after: ['b', 'a', 'b'] }, settings, T0).after).toEqual(['b', 'a']);
    expect(validateSpec({ command: 'true', after: null }, settings, T0).after).toEqual([]);
    expect(validateSpec({ command: 'true' }, settings, T0).after).toEqual([]);
    const most = Array.from({ length: JOB_LIMITS.maxParents }, (_, i) => `p${i}`);
    expect(validateSpec({ command: 'true', after: [...most, 'p0'] }, settings, T0).after).toHaveLength(JOB_LIMITS.maxParents);
  });

  it('refuses what cannot be a list of ids, naming the entry', () => {
    expect(refusal('abc')).toBe('after must be a list of job ids (parents), e.g. ["a1b2c3d4"]; got "abc"');
    expect(refusal(['ok', 7])).toBe('after[1] must be a job id or unique prefix (letters, digits, ".", "_", "-"); got 7');
    expect(refusal([''])).toMatch(/^after\[0\] must be a job id or unique prefix .*got ""$/);
    expect(refusal(['a b'])).toMatch(/got "a b"$/);
    expect(refusal(Array.from({ length: JOB_LIMITS.maxParents + 1 }, (_, i) => `p${i}`))).toBe(
      `after names ${JOB_LIMITS.maxParents + 1} jobs; a job may wait for at most ${JOB_LIMITS.maxParents} parents`,
    );
  });
});

describe('resolving parents (enqueue and enqueue.batch)', () => {
  const spec = (id: string | null, after: string[]): NewJob => ({ ...newJob(id ?? 'x', after), id });

  /** resolveParents as the handlers call it, over the StoreApi. */
  const resolve = (jobs: NewJob[], where: typeof inBatch | null): Promise<NewJob[]> => resolveParents(sqliteStore(db), jobs, where);

  function resolveError(jobs: NewJob[], batch = true): Promise<QueueError> {
    return queueErrorOfAsync(() => resolve(jobs, batch ? inBatch : null));
  }

  beforeEach(() => {
    add('build-1111');
    add('build-2222');
    add('test-3333');
  });

  it('an exact id wins, then a unique prefix; several references to one job collapse', async () => {
    add('test');
    const [resolved] = await resolve([spec(null, ['test', 'build-1', 'build-1111'])], null);
    expect(resolved!.after).toEqual(['test', 'build-1111']);
  });

  it('ids chosen earlier in the batch count, by exact id or prefix; generated ids cannot be named', async () => {
    const resolved = await resolve([spec('fetch-9', []), spec(null, ['fetch', 'test-']), spec('last', ['fetch-9'])], inBatch);
    expect(resolved.map((j) => j.after)).toEqual([[], ['fetch-9', 'test-3333'], ['fetch-9']]);
  });

  it('unknown and ambiguous references are INVALID_ARGUMENT naming the reference and the job', async () => {
    const single = await resolveError([spec(null, ['nope'])], false);
    expect(single.message).toBe('after: no job with id or prefix "nope"; a parent must be enqueued before the jobs that wait for it');
    expect(single.details).toEqual({ parent: 'nope' });
    const ambiguous = await resolveError([spec(null, []), spec(null, ['build'])]);
    expect(ambiguous.code).toBe('INVALID_ARGUMENT');
    expect(ambiguous.message).toBe('job 2 of the batch: after: "build" matches several jobs (build-1111, build-2222); type more of the parent\'s id');
    expect(ambiguous.details).toEqual({ index: 1, parent: 'build' });
    const mixed = await resolveError([spec('test-4444', []), spec(null, ['test-'])]);
    expect(mixed.message).toMatch(/"test-" matches several jobs \(test-3333, test-4444\)/);
  });

  it('a job may not wait for itself or a later job; a cycle is shown', async () => {
    expect((await resolveError([spec('me', ['me'])], false)).message).toBe('dependency cycle: me → me; a job cannot wait for itself');
    const cycle = await resolveError([spec('a', ['b']), spec('b', ['c']), spec('c', ['a'])]);
    expect(cycle.message).toBe('job 1 of the batch: dependency cycle: a → b → c → a; each waits for the next');
    expect(cycle.details).toEqual({ index: 0, parent: 'b', target: 1 });
    expect((await resolveError([spec('a', ['later']), spec('later', [])])).message).toBe(
      'job 1 of the batch: after names "later", which comes later (job 2 of the batch); list parents before the jobs that wait for them',
    );
    expect((await resolveError([spec(null, ['lat']), spec('later', [])])).message).toBe(
      'job 1 of the batch: after names "lat", which comes later (job 2 of the batch); list parents before the jobs that wait for them',
    );
  });

  it('a prefix that matches an earlier job of the batch and a later one (or a stored job and a later one) is ambiguous', async () => {
    const both = await resolveError([spec('xy1', []), spec('z', ['xy']), spec('xy2', [])]);
    expect(both.code).toBe('INVALID_ARGUMENT');
    expect(both.message).toBe('job 2 of the batch: after: "xy" matches several jobs (xy1, xy2); type more of the parent\'s id');
    expect(both.details).toEqual({ index: 1, parent: 'xy' });
    const stored = await resolveError([spec(null, ['test-3']), spec('test-3999', [])]);
    expect(stored.message).toBe('job 1 of the batch: after: "test-3" matches several jobs (test-3333, test-3999); type more of the parent\'s id');
    // An exact id still wins over a later job it is a prefix of.
    add('xy');
    expect((await resolve([spec(null, ['xy']), spec('xy3', [])], inBatch))[0]!.after).toEqual(['xy']);
  });

  it('a job naming itself by a prefix of its own id is told about the cycle', async () => {
    expect((await resolveError([spec('self', ['sel'])], false)).message).toBe('dependency cycle: self → self; a job cannot wait for itself');
    const inABatch = await resolveError([spec('one', []), spec('self', ['sel'])]);
    expect(inABatch.message).toBe('job 2 of the batch: dependency cycle: self → self; a job cannot wait for itself');
    expect(inABatch.details).toEqual({ index: 1, parent: 'sel', target: 1 });
  });

  it('the shared order check names lines for the CLI and ignores what the daemon refuses anyway', () => {
    const wrong = findForwardReference([{ id: 'x', after: 'x' }, { id: 'y', after: [3, 'z'] }, { id: 'z', after: ['y'] }]);
    expect(wrong).toEqual({ index: 1, parent: 'z', target: 2, cycle: ['y', 'z', 'y'] });
    expect(describeForwardReference(wrong!, (i) => `line ${i + 1}`)).toBe('dependency cycle: y → z → y; each waits for the next');
    expect(findForwardReference([{ after: ['a'] }, { id: 'a' }])).toEqual({ index: 0, parent: 'a', target: 1, cycle: null });
    expect(findForwardReference([{ id: 'a' }, { after: ['a'] }, { after: ['b'] }])).toBeNull();
  });
});
