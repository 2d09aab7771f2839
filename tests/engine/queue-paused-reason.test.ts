import type Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { JOB_STATES, QueueError, type JobState, type QueueInfo, type QueueStateEvent } from '../../protocol/index.js';
import { renderStatus, stateFromStatus, summaryJson, type StatusState } from '../../cli/status-view.js';
import { stripAnsi } from '../../cli/format.js';
import type { EngineContext } from '../../electron/engine/context.js';
import type { EventHub } from '../../electron/engine/events/hub.js';
import { PauseSwitch } from '../../electron/engine/pause.js';
import { list } from '../../electron/engine/rpc/handlers/list.js';
import { queuePause, queueResume } from '../../electron/engine/rpc/handlers/queue-pause.js';
import type { Scheduler } from '../../electron/engine/scheduler.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { Store } from '../../electron/engine/store/index.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { newJob, useTempStore } from '../helpers/store.js';
import { queueErrorOfAsync } from '../helpers/queue-error.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';

/**
 * Why a queue is paused (`paused_reason`), `queue.resume {all: true}`, QUEUE_NOT_FOUND, and how `status`
 * shows a paused queue: against a real SQLite file and the real PauseSwitch, with the scheduler and the
 * event hub stubbed.
 */

const T0 = 1_700_000_000_000;
const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1' };
const noDelay = (): number => 0;

let db: Database.Database;
let store: Store;
useTempStore('qctl-queue-paused-reason-', (t) => ({ db, store } = t));

const add = (over: Partial<NewJob> = {}, now = T0): JobRow => store.enqueue(newJob(over), now);

function dieIn(queue: string, id: string): JobRow {
  add({ id, queue });
  const c = store.claim(1, T0)!;
  expect(c.job.id).toBe(id);
  return store.finish(id, c.attempt, FAILED, T0 + 1, noDelay)!;
}

const reason = (name: string): unknown => (db.prepare(`SELECT paused_reason FROM queues WHERE name = ?`).get(name) as { paused_reason: unknown }).paused_reason;

describe('paused_reason in the store', () => {
  it('pause_on_dead with the job id stores "job <id> went dead"; queue.list shows it; resume clears it', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    dieIn('gpu', 'g1');
    expect(store.pauseOnDead('gpu', T0 + 2, 'g1')).toBe(true);
    expect(store.queueInfo('gpu')).toMatchObject({ paused: true, paused_reason: 'job g1 went dead' });
    expect(store.queueInfos().find((q) => q.name === 'gpu')!.paused_reason).toBe('job g1 went dead');
    // A second dead job while paused changes nothing: the first reason and time stay.
    expect(store.pauseOnDead('gpu', T0 + 5, 'g2')).toBe(false);
    expect(store.queueInfo('gpu')).toMatchObject({ paused_since: new Date(T0 + 2).toISOString(), paused_reason: 'job g1 went dead' });

    expect(store.setQueuePaused('gpu', false, T0 + 6)).toEqual({ changed: true });
    expect(reason('gpu')).toBeNull();
    expect(store.queueInfo('gpu')).toMatchObject({ paused: false, paused_since: null, paused_reason: null });
  });

  it('without the job id (the scheduler as it called before) the reason is filled in by notePausedOnDead, once', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    expect(store.pauseOnDead('gpu', T0)).toBe(true);
    expect(reason('gpu')).toBeNull();
    store.notePausedOnDead('gpu', 'g7');
    expect(reason('gpu')).toBe('job g7 went dead');
    // Never overwrites a reason already there, nor names a reason for a queue that is running again.
    store.notePausedOnDead('gpu', 'other');
    expect(reason('gpu')).toBe('job g7 went dead');
    store.setQueuePaused('gpu', false, T0 + 1);
    store.notePausedOnDead('gpu', 'late');
    expect(reason('gpu')).toBeNull();
  });

  it('a pause by hand stores no reason, and keeps one a dead job gave an already paused queue', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    expect(store.setQueuePaused('gpu', true, T0)).toEqual({ changed: true });
    expect(store.queueInfo('gpu')).toMatchObject({ paused: true, paused_reason: null });
    // Paused by hand first: a dead job does not claim it (the queue was not paused by it).
    expect(store.pauseOnDead('gpu', T0 + 1, 'g1')).toBe(false);
    expect(reason('gpu')).toBeNull();
    store.setQueuePaused('gpu', false, T0 + 2);

    expect(store.pauseOnDead('gpu', T0 + 3, 'g2')).toBe(true);
    expect(store.setQueuePaused('gpu', true, T0 + 4)).toEqual({ changed: false });
    expect(store.queueInfo('gpu')).toMatchObject({ paused_since: new Date(T0 + 3).toISOString(), paused_reason: 'job g2 went dead' });
    // Resumed, then paused by hand: no reason left over.
    store.setQueuePaused('gpu', false, T0 + 5);
    store.setQueuePaused('gpu', true, T0 + 6);
    expect(store.queueInfo('gpu')!.paused_reason).toBeNull();
  });

  it('start-up recovery stores the reason with the job that went dead', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    add({ id: 'last', queue: 'gpu', max_retries: 0 });
    expect(store.claim(1, T0)?.job.id).toBe('last');
    const { jobs } = store.recover(T0 + 10, noDelay);
    expect(store.pauseQueuesOnDead(jobs, T0 + 11)).toEqual([{ queue: 'gpu', jobId: 'last' }]);
    expect(store.queueInfo('gpu')).toMatchObject({ paused: true, paused_reason: 'job last went dead' });
  });

  it('resumeEverything lifts pause_all and every named queue with their reasons in one go, and says what it lifted', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    add({ queue: 'io' });
    add({ queue: 'web' });
    store.pauseOnDead('gpu', T0, 'g1');
    store.setQueuePaused('io', true, T0);
    store.setQueuePaused('default', true, T0);
    store.setPaused(true, T0);
    expect(store.resumeEverything()).toEqual({ all: true, queues: ['default', 'gpu', 'io'] });
    expect(store.pauseState()).toEqual({ paused: false, since: null });
    expect(store.queueInfos().map((q) => [q.name, q.paused, q.paused_since, q.paused_reason])).toEqual([
      ['default', false, null, null],
      ['gpu', false, null, null],
      ['io', false, null, null],
      ['web', false, null, null],
    ]);
    expect(store.resumeEverything()).toEqual({ all: false, queues: [] });
  });
});

describe('queue.pause / queue.resume handlers with the real PauseSwitch', () => {
  let ctx: EngineContext;
  let events: QueueStateEvent[];
  let logged: string[];
  let schedulerPaused: boolean;
  let wakes: number;

  beforeEach(async () => {
    events = [];
    logged = [];
    schedulerPaused = false;
    wakes = 0;
    const scheduler = { setPaused: (p: boolean) => (schedulerPaused = p), wake: () => wakes++ } as unknown as Scheduler;
    const hub = { queueChanged: (e: QueueStateEvent) => events.push(e) } as unknown as EventHub;
    const sw = new PauseSwitch(sqliteStore(db), scheduler, hub, (m) => logged.push(m));
    await sw.restore();
    ctx = {
      store: sqliteStore(db),
      log: (m: string) => logged.push(m),
      setPaused: (p: boolean) => sw.set(p),
      setQueuePaused: (q: string, p: boolean) => sw.setQueue(q, p),
      queuesChanged: () => {
        sw.announce();
        wakes++;
      },
      // The scheduler calls this after committing a job's death (index.ts wires it).
      pausedOnDead: (q: string, id: string) => sw.pausedOnDead(q, id),
      paused: () => sw.paused(),
    } as unknown as EngineContext;
  });

  const pausedOnDead = (q: string, id: string): Promise<void> => (ctx as unknown as { pausedOnDead: (q: string, id: string) => Promise<void> }).pausedOnDead(q, id);
  /** Lets what the handler started but did not await (queuesChanged's announcement) finish. */
  const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('a queue the scheduler paused on dead carries the job in paused_reason, in the queue event too', async () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    dieIn('gpu', 'g1');
    expect(store.pauseOnDead('gpu', T0 + 2)).toBe(true); // as scheduler.ts calls it today, without the job id
    await pausedOnDead('gpu', 'g1');
    expect(store.queueInfo('gpu')!.paused_reason).toBe('job g1 went dead');
    expect(events.at(-1)!.queues.find((q) => q.name === 'gpu')).toMatchObject({ paused: true, paused_reason: 'job g1 went dead' });
    expect(logged.join('\n')).toContain('queue gpu paused: job g1 went dead');

    await queueResume(ctx, { queue: 'gpu' });
    expect(events.at(-1)!.queues.find((q) => q.name === 'gpu')).toMatchObject({ paused: false, paused_reason: null });
  });

  it('resume all: one call lifts every switch, syncs the scheduler, announces once, answers what it resumed', async () => {
    add({ queue: 'gpu' });
    add({ queue: 'io' });
    await queuePause(ctx, {});
    await queuePause(ctx, { queue: 'gpu' });
    await queuePause(ctx, { queue: 'io' });
    expect(schedulerPaused).toBe(true);
    const before = events.length;
    const answer = await queueResume(ctx, { all: true });
    await settled();
    expect(answer).toEqual({ queue: null, paused: false, paused_since: null, changed: true, resumed: { all: true, queues: ['gpu', 'io'] } });
    expect(schedulerPaused).toBe(false);
    expect((ctx as unknown as { paused: () => boolean }).paused()).toBe(false);
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ paused: false, paused_since: null });
    expect(events.at(-1)!.queues.every((q) => !q.paused)).toBe(true);
    expect(wakes).toBeGreaterThan(0);
    expect(logged.at(-1)).toBe('resumed by resume --all: the pause of every queue and queues gpu, io');

    // Nothing paused: changed false, nothing announced.
    expect(await queueResume(ctx, { all: true })).toEqual({ queue: null, paused: false, paused_since: null, changed: false, resumed: { all: false, queues: [] } });
    await settled();
    expect(events.length).toBe(before + 1);
    // Only a named queue paused: the global switch is reported as not lifted.
    await queuePause(ctx, { queue: 'io' });
    expect((await queueResume(ctx, { all: true })).resumed).toEqual({ all: false, queues: ['io'] });
    // all: false is the plain resume of the switch over every queue (no `resumed` in the answer).
    expect(await queueResume(ctx, { all: false })).toEqual({ queue: null, paused: false, paused_since: null, changed: false });
  });

  it('refuses all with queue, all that is not a boolean, and all for queue.pause', async () => {
    add({ queue: 'gpu' });
    const refused = queueErrorOfAsync;
    expect(await refused(() => queueResume(ctx, { all: true, queue: 'gpu' }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/queue .* or all .*, not both/) });
    expect(await refused(() => queueResume(ctx, { all: 'yes' }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'all must be true or false' });
    expect(await refused(() => queuePause(ctx, { all: true }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'unknown field "all" for queue.pause; accepted: queue' });
  });

  it('an unknown queue is QUEUE_NOT_FOUND (message unchanged, data.queue set); a malformed name stays INVALID_ARGUMENT', async () => {
    add({ queue: 'gpu' });
    for (const call of [() => queuePause(ctx, { queue: 'nope' }), () => queueResume(ctx, { queue: 'nope' }), () => list(ctx, { queue: 'nope' })]) {
      const err = await queueErrorOfAsync(call);
      expect(err.code).toBe('QUEUE_NOT_FOUND');
      expect(err.message).toBe('no queue named "nope"; queues: default, gpu (a queue exists once a job is enqueued in it or `queue set` creates it)');
      expect(err.toRpc()).toMatchObject({ code: -32000, data: { code: 'QUEUE_NOT_FOUND', queue: 'nope' } });
    }
    await expect(queuePause(ctx, { queue: 'a b' })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('status shows why a queue is paused', () => {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const queue = (over: Partial<QueueInfo>): QueueInfo => ({
    name: 'default',
    paused: false,
    paused_since: null,
    paused_reason: null,
    parallel: null,
    pause_on_dead: false,
    counts,
    ready: 0,
    scheduled: 0,
    oldest_ready_at: null,
    latency_ms: 0,
    ...over,
  });
  const now = Date.parse('2026-01-01T12:00:00Z');
  const state = (queues: QueueInfo[]): StatusState =>
    stateFromStatus(
      {
        daemon_running: true,
        pid: 1,
        version: '0.1.0',
        home: '/h',
        started_at: new Date(now - 60_000).toISOString(),
        uptime_ms: 60_000,
        stopping: false,
        paused: false,
        paused_since: null,
        queues,
        has_window: false,
        counts,
        workers: [],
        store: { kind: 'sqlite', display: '/h/queue.db', available: true, unavailable_since: null, last_error: null },
      },
      now,
    );
  const lines = (s: StatusState, width: number | null): string[] => renderStatus(s, { now, width }).map(stripAnsi);

  it('"gpu  paused 3m ago: job x went dead — queuectl resume --queue gpu"; a pause by hand has no reason', () => {
    const s = state([
      queue({}),
      queue({ name: 'gpu', paused: true, paused_since: new Date(now - 180_000).toISOString(), paused_reason: 'job 4kq2xv7m went dead', pause_on_dead: true }),
      queue({ name: 'io', paused: true, paused_since: new Date(now - 5_000).toISOString() }),
    ]);
    const out = lines(s, null);
    expect(out).toContain('  gpu  paused 3m 00s ago: job 4kq2xv7m went dead — queuectl resume --queue gpu · pauses when a job goes dead');
    expect(out, out.join("\n")).toContain("  io   paused 5.00s ago — queuectl resume --queue io");
    expect(summaryJson(s, now).queues).toContainEqual(expect.objectContaining({ name: 'gpu', paused_reason: 'job 4kq2xv7m went dead' }));
  });

  it('a 60-character queue name is cut, not the pause and its reason', () => {
    const name = 'a-very-long-queue-name-'.padEnd(60, 'x');
    const s = state([queue({}), queue({ name, paused: true, paused_since: new Date(now - 112_000).toISOString(), paused_reason: 'job 4kq2xv7m went dead' })]);
    const line = lines(s, 80).find((l) => l.includes('paused 1m 52s ago'));
    expect(line, lines(s, 80).join('\n')).toBeDefined();
    expect(line).toMatch(/^ {2}a-very-long-queue-name-x*… {2}paused 1m 52s ago: job 4kq2xv7m went dead — /);
    expect(line!.length).toBeLessThanOrEqual(80);
    // Wide enough: nothing is cut.
    const wide = lines(s, 200).find((l) => l.includes('paused 1m 52s ago'))!;
    expect(wide).toBe(`  ${name}  paused 1m 52s ago: job 4kq2xv7m went dead — queuectl resume --queue ${name}`);
    // Short names are never padded past what they need, nor cut.
    const short = state([queue({}), queue({ name: 'gpu', parallel: 2 })]);
    expect(lines(short, 40)).toContain('  gpu  at most 2 at once (0 workers)');
  });
});
