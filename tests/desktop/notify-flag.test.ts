import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_NOTIFICATION, type Job, type JobsEvent, type QueueEvent } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { digestJobsEvent, SeenChanges } from '../../electron/main/job-digest.js';
import { noticeFor } from '../../electron/main/notify-rules.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/**
 * `enqueue --notify` end to end through the real headless daemon and the built CLI: the flag is stored,
 * `show --json` prints it, and the JobsEvent a subscriber gets (what the desktop app's tray reads) carries it,
 * so the desktop's own rules turn its end into a notification.
 */
describe('enqueue --notify through the daemon', () => {
  let t: TestHome;
  let client: RpcClient | null = null;
  afterEach(async () => {
    client?.close();
    await t.dispose();
  });

  it('is stored, shown by show --json and carried by the job events the desktop host reads', async () => {
    t = new TestHome();
    await t.start(1);
    client = await RpcClient.connect(t.home, 'notify-test');
    const events: JobsEvent[] = [];
    client.onNotification = (n) => {
      if (n.method === EVENT_NOTIFICATION && (n.params as QueueEvent).type === 'jobs') events.push(n.params as JobsEvent);
    };
    await client.call('events.subscribe', { jobs: true });

    const id = await t.ok(['enqueue', 'exit 0', '--notify', '--name', 'tell-me']);
    const plain = await t.ok(['enqueue', 'exit 0']);
    const fromJson = await t.ok(['enqueue', '{"command":"exit 3","notify":true,"max_retries":0}']);
    expect((await t.until(id, 'completed')).notify).toBe(true);
    expect((await t.until(plain, 'completed')).notify).toBe(false);
    expect((await t.until(fromJson, 'dead')).notify).toBe(true);

    const ended = await waitFor(() => {
      const last = new Map<string, Job>();
      for (const e of events) for (const j of e.jobs) last.set(j.id, j);
      return [id, plain, fromJson].every((x) => ['completed', 'dead'].includes(last.get(x)?.state ?? '')) ? last : undefined;
    }, 10_000, 'the end events');
    expect(ended.get(id)).toMatchObject({ notify: true, state: 'completed' });
    const seen = new SeenChanges();
    const rules = { dead: true, requested: true, longJobSeconds: null };
    const kinds = events.flatMap((e) => {
      const d = digestJobsEvent(e, seen, null);
      return [...d.newlyDead, ...d.newlyCompleted].map((j) => [j.id, noticeFor(j, rules)]);
    });
    expect(kinds).toEqual(expect.arrayContaining([[id, 'finished'], [plain, null], [fromJson, 'finished']]));

    const bad = await t.cli(['enqueue', '{"command":"true","notify":"yes"}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/notify must be true or false/);
  });
});
