import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobsEvent, MethodName, QueueEvent } from '../../protocol/index.js';
import type { Session } from '../../electron/engine/rpc/session.js';
import { engineLink, socketLink, type EngineLink } from '../../electron/main/engine-link.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/**
 * The desktop host's way to the engine, against a real headless daemon (the same engine the app hosts).
 * Until startEngine returns dispatch, the app uses the socket link: one connection per window session,
 * the engine running each call through its dispatch() and pushing that session's events.
 */

class RecordingSession implements Session {
  readonly events: QueueEvent[] = [];
  push(event: QueueEvent): void {
    this.events.push(event);
  }
  jobIds(): string[] {
    return this.events.filter((e): e is JobsEvent => e.type === 'jobs').flatMap((e) => e.jobs.map((j) => j.id));
  }
}

describe('engine link over the socket (until the engine offers dispatch)', () => {
  let home: TestHome;
  let link: EngineLink;

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    link = socketLink(home.home);
  });
  afterAll(async () => {
    link?.close();
    await home?.dispose();
  });

  it('answers protocol methods as {result} and protocol errors as {error}, never by throwing', async () => {
    const window = new RecordingSession();
    const status = await link.dispatch(window, 'status', {});
    expect('result' in status && (status.result as { counts: object }).counts).toBeTruthy();
    const missing = await link.dispatch(window, 'show', { id: 'no-such-job' });
    expect(missing).toMatchObject({ error: { data: { code: 'JOB_NOT_FOUND' } } });
    const bad = await link.dispatch(window, 'list', { limit: 'lots' });
    expect(bad).toMatchObject({ error: { data: { code: 'INVALID_ARGUMENT' } } });
    const hello = await link.dispatch(window, 'hello' as MethodName, {});
    expect(hello).toMatchObject({ error: { data: { code: 'METHOD_NOT_FOUND' } } });
  });

  it('pushes the events a session subscribed to, to that session only, until it is dropped', async () => {
    const subscribed = new RecordingSession();
    const other = new RecordingSession();
    expect(await link.dispatch(subscribed, 'events.subscribe', { jobs: true })).toEqual({ result: { jobs: true, log: null } });
    await link.dispatch(other, 'status', {});
    const id = await home.ok(['enqueue', 'true']);
    await waitFor(() => subscribed.jobIds().includes(id), 10_000, 'a JobsEvent with the job');
    expect(other.events).toEqual([]);

    link.drop(subscribed);
    const count = subscribed.events.length;
    const later = await home.ok(['enqueue', 'true']);
    await home.until(later, 'completed');
    await new Promise((r) => setTimeout(r, 300));
    expect(subscribed.events.length).toBe(count);
  });

  it('a dropped session reconnects on its next call', async () => {
    const window = new RecordingSession();
    await link.dispatch(window, 'status', {});
    link.drop(window);
    expect('result' in (await link.dispatch(window, 'status', {}))).toBe(true);
  });

  it('uses the socket while the engine has no dispatch seam, and the engine\'s own dispatch once it has', async () => {
    const engineStub = { paths: {}, events: {}, stop: async () => {}, stopped: Promise.resolve() } as unknown as Parameters<typeof engineLink>[0];
    expect(engineLink(engineStub, home.home).kind).toBe('socket');
    expect(engineLink(engineStub, home.home).pause).toBeNull();
    const calls: unknown[] = [];
    const direct = engineLink(
      {
        ...engineStub,
        dispatch: async (_s: Session, method: unknown, params: unknown) => {
          calls.push([method, params]);
          return { result: 'ok' };
        },
        dropSession: () => calls.push('drop'),
        setPaused: (p: boolean) => calls.push(['paused', p]),
        paused: () => false,
      },
      home.home,
    );
    expect(direct.kind).toBe('direct');
    const s = new RecordingSession();
    expect(await direct.dispatch(s, 'status', {})).toEqual({ result: 'ok' });
    direct.drop(s);
    direct.pause!.setPaused(true);
    expect(calls).toEqual([['status', {}], 'drop', ['paused', true]]);
  });
});
