import { describe, expect, it } from 'vitest';
import { JOB_STATES, type JobState, type StatusResult, type StoreInfo, type WorkerInfo } from '../../protocol/index.js';
import { applyHealth, followsHealth } from '../../cli/status-watch-health.js';
import { renderStatus, stateFromStatus, summaryJson, summaryLine } from '../../cli/status-view.js';

/** `status --watch` through a store outage, as pure logic: what each health read does to the state, and what is printed. */

const UP: StoreInfo = { kind: 'postgres', display: 'postgres://ann:***@db/q', available: true, unavailable_since: null, last_error: null };
const DOWN: StoreInfo = { ...UP, available: false, unavailable_since: '2026-01-01T10:00:00.000Z', last_error: 'connection refused (ECONNREFUSED)' };
const zero = (): Record<JobState, number> => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
const busy = (id: number, job: string | null): WorkerInfo => ({ id, pid: 100 + id, job_id: job, command: job ? 'sleep 9' : null, since: job ? '2026-01-01T09:59:00.000Z' : null });

function status(store: StoreInfo, over: Partial<StatusResult> = {}): StatusResult {
  return {
    daemon_running: true, pid: 7, version: '1.0.0', home: '/h', started_at: '2026-01-01T09:00:00.000Z', uptime_ms: 1000, stopping: false,
    paused: false, paused_since: null, queues: [], has_window: false, counts: zero(), workers: [busy(1, 'job-a')], store, ...over,
  };
}

const NOW = Date.parse('2026-01-01T10:00:05.000Z');

describe('status --watch through a store outage', () => {
  it('a health read while the store answers changes nothing: the events own counts and workers', () => {
    const s = stateFromStatus(status(UP, { counts: { ...zero(), pending: 3 } }));
    s.failures = [];
    expect(applyHealth(s, status(UP, { counts: zero(), workers: [] }))).toBe('same');
    expect(s.counts.pending).toBe(3);
    expect(s.workers).toHaveLength(1);
  });

  it('lost: the store part becomes "not read", failures are dropped; the lines say since when, not stale counts', () => {
    const s = stateFromStatus(status(UP, { counts: { ...zero(), processing: 1, completed: 5 }, paused: true, paused_since: '2026-01-01T09:30:00.000Z' }));
    s.failures = [];
    expect(applyHealth(s, status(DOWN))).toBe('lost');
    expect(s).toMatchObject({ store: DOWN, paused: false, failures: null, counts: zero() });

    expect(summaryLine(s, NOW)).toBe('2026-01-01T10:00:05.000Z store=unavailable since=2026-01-01T10:00:00.000Z busy=1/1');
    const screen = renderStatus(s, { now: NOW, width: null }).join('\n');
    expect(screen).toMatch(/store unavailable since 5.00s ago: connection refused \(ECONNREFUSED\)/);
    expect(screen).not.toMatch(/pending|completed/);
    expect(summaryJson(s, NOW)).toMatchObject({ store: { available: false, unavailable_since: DOWN.unavailable_since }, counts: zero(), recent_failures: [] });
  });

  it('out of reach: each read brings the workers (no event does) and the latest error', () => {
    const s = stateFromStatus(status(DOWN));
    expect(applyHealth(s, status({ ...DOWN, last_error: 'the database system is starting up' }, { workers: [busy(1, null)] }))).toBe('same');
    expect(s.workers[0]!.job_id).toBeNull();
    expect(s.store.last_error).toBe('the database system is starting up');
    expect(summaryLine(s, NOW)).toMatch(/ store=unavailable since=2026-01-01T10:00:00\.000Z busy=0\/1$/);
  });

  it('back: the whole answer is taken, and the counts are shown again', () => {
    const s = stateFromStatus(status(DOWN));
    expect(applyHealth(s, status(UP, { counts: { ...zero(), completed: 4 }, workers: [busy(1, null)] }))).toBe('back');
    expect(s.store).toEqual(UP);
    expect(summaryLine(s, NOW)).toBe('2026-01-01T10:00:05.000Z pending=0 processing=0 completed=4 failed=0 dead=0 canceled=0 busy=0/1 paused=no');
  });

  it('only a store on a server is followed: SQLite is never asked', () => {
    expect(followsHealth(stateFromStatus(status(UP)))).toBe(true);
    expect(followsHealth(stateFromStatus(status({ ...UP, kind: 'sqlite', display: '/h/queuectl.db' })))).toBe(false);
  });
});
