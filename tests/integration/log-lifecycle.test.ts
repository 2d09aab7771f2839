import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NOTIFICATION, QueueError, type LogEvent } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import { rpcFailure } from '../helpers/rpc.js';

/** A connection that keeps the LogEvents the daemon pushes to it. */
async function follower(home: string): Promise<{ client: RpcClient; events: LogEvent[] }> {
  const client = await RpcClient.connect(home, 'log-lifecycle-test');
  const events: LogEvent[] = [];
  client.onNotification = (n) => {
    if (n.method === EVENT_NOTIFICATION && (n.params as LogEvent).type === 'log') events.push(n.params as LogEvent);
  };
  return { client, events };
}

/** The follower's copy of the log: what it got since the last event at offset 0 (which says "afresh"). */
function copyOf(events: LogEvent[]): string {
  const from = events.findLastIndex((e) => e.offset === 0);
  return events
    .slice(Math.max(from, 0))
    .map((e) => e.data)
    .join('');
}

const contiguous = (events: LogEvent[]) => events.every((e, i) => i === 0 || e.offset === 0 || e.offset === events[i - 1]!.next_offset);

const CAP = 4096;
const NOTE = `\n[queuectl: log truncated at ${CAP} bytes (log_max_bytes); further output discarded]\n`;

describe('job logs across remove, re-enqueue, the cap and retry (real daemon)', () => {
  const t = new TestHome();
  let rpc: RpcClient;
  const clients: RpcClient[] = [];
  const logOf = (id: string) => join(t.home, 'logs', `${id}.log`);
  const failure = rpcFailure;
  const noWorkerRuns = (id: string) =>
    waitFor(async () => (await rpc.call('status', {})).workers.every((w) => w.job_id !== id), 10_000, `no worker to run ${id}`);

  beforeAll(async () => {
    await t.start(2);
    rpc = await RpcClient.connect(t.home, 'log-lifecycle-test');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    rpc.close();
    await t.dispose();
  });

  it('job.remove refuses a canceled job whose run is still being killed; once it is gone, a new job with that id has only its own run', async () => {
    // Ignores SIGTERM, so after the cancel its tree lives on until the SIGKILL 2 s later.
    await rpc.call('enqueue', { job: { id: 'stubborn', command: `trap '' TERM; echo old run; sleep 6` } });
    await t.until('stubborn', 'processing');
    // cancel answers once the processes are gone; meanwhile (another client) the job is canceled but still dying.
    const canceling = t.ok(['cancel', 'stubborn']);
    await t.until('stubborn', 'canceled');
    const refused = await failure(rpc.call('job.remove', { ids: ['stubborn'] }));
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toBe('job stubborn is still being stopped; try again in a moment');
    // Nothing was removed: the id is still taken.
    expect((await failure(rpc.call('enqueue', { job: { id: 'stubborn', command: 'true' } }))).code).toBe('DUPLICATE_ID');
    expect((await t.show('stubborn')).state).toBe('canceled');

    await canceling;
    await noWorkerRuns('stubborn');
    expect(await rpc.call('job.remove', { ids: ['stubborn'] })).toEqual({ removed: ['stubborn'] });
    await rpc.call('enqueue', { job: { id: 'stubborn', command: 'echo new run' } });
    const fresh = await t.until('stubborn', 'completed');
    expect(fresh.attempt_history).toEqual([expect.objectContaining({ number: 1, outcome: 'completed', exit_code: 0 })]);
    expect(readFileSync(logOf('stubborn'), 'utf8')).toBe('new run\n');
  }, 30_000);

  it('a job enqueued with the id of a job just removed (the last of many) keeps its new log', async () => {
    const ids = Array.from({ length: 999 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    const before = (await rpc.call('status', {})).counts.completed ?? 0;
    await rpc.call('enqueue.batch', { jobs: [...ids.map((id) => ({ id, command: `echo ${id}` })), { id: 'reused', command: 'echo old reused' }] });
    await waitFor(async () => ((await rpc.call('status', {})).counts.completed ?? 0) >= before + 1000, 120_000, 'the batch to complete');
    expect(ids.every((id) => existsSync(logOf(id)))).toBe(true);

    const remover = await RpcClient.connect(t.home, 'remover');
    const enqueuer = await RpcClient.connect(t.home, 'enqueuer');
    clients.push(remover, enqueuer);
    const removing = remover.call('job.remove', { ids: [...ids, 'reused'] });
    // Concurrently, on another connection: as soon as the removal committed, the id is free again.
    for (;;) {
      try {
        await enqueuer.call('enqueue', { job: { id: 'reused', command: 'echo new reused' } });
        break;
      } catch (e) {
        if (!(e instanceof QueueError) || e.code !== 'DUPLICATE_ID') throw e;
      }
    }
    expect((await removing).removed).toHaveLength(1000);
    await t.until('reused', 'completed');
    await new Promise((r) => setTimeout(r, 200)); // anything that would still delete it has had its chance
    expect(readFileSync(logOf('reused'), 'utf8')).toBe('new reused\n');
    expect(ids.filter((id) => existsSync(logOf(id)))).toEqual([]);
  }, 180_000);

  it('a follower of a job writing far past log_max_bytes never gets bytes past the cap while it runs, never starts again at 0, and ends with the file', async () => {
    await t.ok(['config', 'set', 'log_max_bytes', String(CAP)]);
    const f = await follower(t.home);
    clients.push(f.client);
    // About 170 KB over about 3 s: past the cap for many of the 250 ms trims.
    const command = `i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty job, well past the cap"; i=$((i+1)); [ $((i % 50)) -eq 0 ] && sleep 0.05; done; true`;
    await rpc.call('enqueue', { job: { id: 'chatty', command } });
    expect(await f.client.call('events.subscribe', { log: { id: 'chatty' } })).toEqual({ jobs: false, log: 'chatty' });
    await t.until('chatty', 'processing');
    // `logs` of the running job: never past the cap either.
    const reads: Array<{ data: string; offset: number; size: number; state: string }> = [];
    for (;;) {
      const chunk = await rpc.call('logs', { id: 'chatty' });
      const { job } = await rpc.call('show', { id: 'chatty' });
      reads.push({ data: chunk.data, offset: chunk.offset, size: chunk.size, state: job.state });
      if (job.state !== 'processing') break;
      await new Promise((r) => setTimeout(r, 40));
    }
    await waitFor(() => f.events.at(-1)?.ended, 15_000, 'ended');
    const file = readFileSync(logOf('chatty'));
    expect(file.length).toBe(CAP + Buffer.byteLength(NOTE));
    expect(file.toString('utf8').endsWith(NOTE)).toBe(true);

    expect(f.events.filter((e) => e.offset === 0)).toHaveLength(1);
    expect(contiguous(f.events)).toBe(true);
    expect(copyOf(f.events)).toBe(file.toString('utf8'));
    // Only what the finished job left past the cap (the note) came after the cap.
    expect(f.events.filter((e) => e.next_offset > CAP).map((e) => e.offset)).toEqual([CAP]);

    expect(reads.length).toBeGreaterThan(10);
    for (const read of reads.filter((r) => r.state === 'processing')) {
      expect(read.size).toBeLessThanOrEqual(CAP);
      expect(read.data).toBe(file.subarray(read.offset, read.offset + Buffer.byteLength(read.data)).toString('utf8'));
    }
    expect(await rpc.call('logs', { id: 'chatty' })).toMatchObject({ size: file.length, data: file.toString('utf8') });
  }, 60_000);

  it('job.retry after a run filled its cap: the new run appends its own section with its own cap; a follower goes on from where it was', async () => {
    await t.ok(['config', 'set', 'log_max_bytes', String(CAP)]);
    const command = `if [ "$QUEUECTL_ATTEMPT" = 1 ]; then yes 'the first run fills the log' | head -c 20000; else echo "run $QUEUECTL_ATTEMPT starts afresh"; fi`;
    await rpc.call('enqueue', { job: { id: 'refill', command } });
    await t.until('refill', 'completed');
    expect(readFileSync(logOf('refill')).length).toBe(CAP + Buffer.byteLength(NOTE));

    const f = await follower(t.home);
    clients.push(f.client);
    await f.client.call('events.subscribe', { log: { id: 'refill' } });
    await waitFor(() => f.events.at(-1)?.ended, 10_000, 'the first run\'s log');
    const have = f.events.at(-1)!.next_offset;
    expect(have).toBe(CAP + Buffer.byteLength(NOTE));
    const first = readFileSync(logOf('refill'), 'utf8');

    expect((await rpc.call('job.retry', { id: 'refill' })).job).toMatchObject({ state: 'pending', attempts: 0 });
    // As the dashboard does when a finished job runs again: follow on from where its copy ended.
    await f.client.call('events.subscribe', { log: { id: 'refill', offset: have } });
    const again = await waitFor(async () => {
      const j = await t.show('refill');
      return j.state === 'completed' && j.attempt_history.length === 2 ? j : undefined;
    }, 10_000, 'the second run');
    expect(again.attempt_history.map((a) => a.number)).toEqual([1, 2]);
    const whole = readFileSync(logOf('refill'), 'utf8');
    expect(whole.slice(0, have)).toBe(first);
    expect(whole.slice(have)).toMatch(/^\n── queuectl: run 2 · \S+ ──\nrun 2 starts afresh\n$/);
    expect(await t.ok(['logs', 'refill'])).toBe(whole.trimEnd());
    expect(await t.ok(['logs', 'refill', '--run', '2'])).toBe('run 2 starts afresh');
    await waitFor(() => f.events.filter((e) => e.ended).length === 2, 10_000, 'the second follow to end');
    const second = f.events.slice(f.events.findIndex((e) => e.ended) + 1);
    expect(second[0]!.offset).toBe(have);
    expect(copyOf(second)).toBe(whole.slice(have));
  }, 60_000);
});
