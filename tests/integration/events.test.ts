import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_NOTIFICATION, MAX_EVENT_JOBS, type JobState, type JobsEvent, type LogEvent, type QueueEvent } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** A connection that keeps every event the daemon pushes to it. */
async function subscriber(home: string): Promise<{ client: RpcClient; events: QueueEvent[]; jobs(): JobsEvent[]; logs(): LogEvent[] }> {
  const client = await RpcClient.connect(home, 'events-test');
  const events: QueueEvent[] = [];
  client.onNotification = (n) => {
    if (n.method === EVENT_NOTIFICATION) events.push(n.params as QueueEvent);
  };
  return {
    client,
    events,
    jobs: () => events.filter((e): e is JobsEvent => e.type === 'jobs'),
    logs: () => events.filter((e): e is LogEvent => e.type === 'log'),
  };
}

/** The states `id` was seen in, in order, repeats collapsed. */
function statesOf(events: JobsEvent[], id: string): JobState[] {
  const seen: JobState[] = [];
  for (const e of events) {
    for (const j of e.jobs) if (j.id === id && seen.at(-1) !== j.state) seen.push(j.state);
  }
  return seen;
}

/** Lines of the daemon's log that speak of a failure. */
const troubles = (log: string): string[] => log.split('\n').filter((l) => /error|could not|exception|unhandled/i.test(l));

describe('events (real daemon, socket subscribers)', () => {
  let t: TestHome;
  const clients: RpcClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.dispose();
  });

  it('a job subscriber sees a job go pending → processing → completed, with counts and workers', async () => {
    t = new TestHome();
    await t.start(1);
    const s = await subscriber(t.home);
    clients.push(s.client);
    expect(await s.client.call('events.subscribe', { jobs: true })).toEqual({ jobs: true, log: null });
    const blocker = await t.ok(['enqueue', 'sleep 0.6']);
    const id = await t.ok(['enqueue', 'sleep 0.4; echo second']);
    await waitFor(() => statesOf(s.jobs(), id).includes('completed'), 15_000, 'the job to complete');
    expect(statesOf(s.jobs(), id)).toEqual(['pending', 'processing', 'completed']);
    // The first job may be claimed within the window of its enqueue: its pending state is then coalesced away.
    expect(statesOf(s.jobs(), blocker).slice(-2)).toEqual(['processing', 'completed']);
    const running = s.jobs().find((e) => e.jobs.some((j) => j.id === id && j.state === 'processing'))!;
    expect(running.counts.processing).toBe(1);
    expect(running.workers).toEqual([expect.objectContaining({ id: 1, job_id: id })]);
    const last = await waitFor(() => s.jobs().find((e) => e.counts.completed === 2), 5000, 'counts after both');
    expect(last.counts).toMatchObject({ pending: 0, processing: 0, completed: 2 });
    for (const e of s.jobs()) expect(e.truncated).toBe(false);
  });

  it('a log follower gets the output of a running job in order as it is written, then ended', async () => {
    t = new TestHome();
    await t.start(1);
    const s = await subscriber(t.home);
    clients.push(s.client);
    const id = await t.ok(['enqueue', 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.25; done']);
    expect(await s.client.call('events.subscribe', { log: { id: id.slice(0, 5) } })).toEqual({ jobs: false, log: id });
    const firstAt = await waitFor(() => (s.logs().some((e) => e.data.includes('line 1')) ? Date.now() : undefined), 10_000, 'line 1');
    await waitFor(() => s.logs().at(-1)?.ended, 10_000, 'ended');
    const endedAt = Date.now();
    const logs = s.logs();
    expect(logs.map((e) => e.data).join('')).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(logs.filter((e) => e.data !== '').length).toBeGreaterThanOrEqual(3);
    expect(endedAt - firstAt).toBeGreaterThan(600);
    expect(logs[0]!.offset).toBe(0);
    for (let i = 1; i < logs.length; i++) expect(logs[i]!.offset).toBe(logs[i - 1]!.next_offset);
    expect(logs.every((e) => e.id === id)).toBe(true);
    expect(logs.filter((e) => e.ended)).toHaveLength(1);
    expect((await t.show(id)).state).toBe('completed');
    // Following a finished job sends the rest at once and ends.
    const again = await subscriber(t.home);
    clients.push(again.client);
    await again.client.call('events.subscribe', { log: { id, offset: 7 } });
    await waitFor(() => again.logs().at(-1)?.ended, 5000, 'ended again');
    expect(again.logs().map((e) => e.data).join('')).toBe('line 2\nline 3\nline 4\nline 5\n');
  });

  it('a bulk enqueue gives a few truncated events, not one message per job', async () => {
    t = new TestHome();
    await t.start(2);
    const s = await subscriber(t.home);
    clients.push(s.client);
    await s.client.call('events.subscribe', { jobs: true });
    const started = Date.now();
    const ids = (await t.ok(['enqueue', '--stdin'], { input: 'true\n'.repeat(3000) })).split('\n');
    expect(ids).toHaveLength(3000);
    await waitFor(() => s.jobs().find((e) => e.truncated && e.counts.pending + e.counts.processing + e.counts.completed === 3000), 10_000, 'a truncated event');
    await new Promise((r) => setTimeout(r, 1500));
    const seconds = (Date.now() - started) / 1000;
    const events = s.jobs();
    expect(events.length).toBeLessThan(seconds * 10 + 10);
    for (const e of events) expect(e.jobs.length).toBeLessThanOrEqual(MAX_EVENT_JOBS);
    expect(troubles(t.daemonLog())).toEqual([]);
  });

  it('events.subscribe refuses bad params with clear errors and keeps the previous choice', async () => {
    t = new TestHome();
    await t.start(1);
    const s = await subscriber(t.home);
    clients.push(s.client);
    expect(await s.client.call('events.subscribe', { jobs: true })).toEqual({ jobs: true, log: null });
    const refused = async (params: unknown, code: string, message: string) => {
      const err = await s.client.call('events.subscribe', params as never).then(() => null, (e: Error & { code: string }) => e);
      expect(err, JSON.stringify(params)).toMatchObject({ code, message });
    };
    await refused({ jobs: 'yes' }, 'INVALID_ARGUMENT', 'jobs must be true or false');
    await refused({ log: 5 }, 'INVALID_ARGUMENT', 'log must be {"id": ..., "offset": ...} or null');
    await refused({ log: { id: 'nosuchjob' } }, 'JOB_NOT_FOUND', 'no job with id or prefix "nosuchjob"');
    const id = await t.ok(['enqueue', 'true']);
    await refused({ log: { id, offset: -1 } }, 'INVALID_ARGUMENT', `offset must be between 0 and ${Number.MAX_SAFE_INTEGER}, got -1`);
    await waitFor(() => statesOf(s.jobs(), id).includes('completed'), 10_000, 'job events after the refusals');
    expect(await s.client.call('events.subscribe', {})).toEqual({ jobs: false, log: null });
  });

  it('a subscriber that disconnects is dropped quietly; the others go on receiving', async () => {
    t = new TestHome();
    await t.start(1);
    const leaving = await subscriber(t.home);
    const staying = await subscriber(t.home);
    clients.push(staying.client);
    const id = await t.ok(['enqueue', 'for i in $(seq 30); do echo tick $i; sleep 0.05; done']);
    await leaving.client.call('events.subscribe', { jobs: true, log: { id } });
    await staying.client.call('events.subscribe', { jobs: true });
    await waitFor(() => leaving.logs().length > 0, 10_000, 'the leaving client to get output');
    leaving.client.close();
    await leaving.client.closed();
    const after = await t.ok(['enqueue', 'echo after']);
    await waitFor(() => statesOf(staying.jobs(), after).includes('completed'), 15_000, 'the staying client to see the next job');
    await t.until(id, 'completed');
    expect((await staying.client.call('status', {})).counts.completed).toBe(2);
    expect(troubles(t.daemonLog())).toEqual([]);
  });

  it('a graceful stop is pushed to job subscribers: once, again only when a later request brings the kill closer', async () => {
    t = new TestHome();
    await t.start(1);
    const s = await subscriber(t.home);
    clients.push(s.client);
    await s.client.call('events.subscribe', { jobs: true });
    const id = await t.ok(['enqueue', 'sleep 30']);
    await waitFor(() => statesOf(s.jobs(), id).includes('processing'), 10_000, 'the job to run');
    const stops = () => s.events.filter((e) => e.type === 'stopping');
    const before = Date.now();
    await s.client.call('daemon.stop', { timeout_ms: 60_000 });
    const [first] = await waitFor(() => stops().length === 1 && stops(), 5000, 'the stopping event');
    expect(first).toEqual({ type: 'stopping', running: 1, kill_at: expect.any(String) });
    expect(Date.parse(first!.kill_at) - before).toBeGreaterThanOrEqual(59_000);
    // A longer timeout changes nothing; a shorter one moves the kill closer and says so.
    await s.client.call('daemon.stop', { timeout_ms: 120_000 });
    await s.client.call('daemon.stop', { timeout_ms: 300 });
    const [, second] = await waitFor(() => stops().length === 2 && stops(), 5000, 'the second stopping event');
    expect(Date.parse(second!.kill_at)).toBeLessThan(Date.parse(first!.kill_at) - 50_000);
    await s.client.closed();
    expect(stops()).toHaveLength(2);
  });
});
