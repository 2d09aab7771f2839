import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * `enqueue --stdin` stores the whole input or none of it, even across several `enqueue.batch` calls: a bad
 * last line of 6,000 (over MAX_BATCH_JOBS, so more than one batch) leaves the store untouched, and the
 * corrected file then enqueues every job exactly once. No workers run, so nothing leaves pending.
 */
describe('enqueue --stdin is all or nothing', () => {
  const t = new TestHome();
  const LINES = 6000;
  const lines = (last: string): string => [...Array.from({ length: LINES - 1 }, (_, i) => `{"id":"bulk-${i + 1}","command":"true"}`), last].join('\n') + '\n';
  const pending = async () => (await t.json<StatusResult>(['status'])).counts.pending;

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['pause']);
  });
  afterAll(() => t.dispose());

  it('a duplicate id on the last line stores nothing and names that line', async () => {
    const r = await t.cli(['enqueue', '--stdin'], { input: lines('{"id":"bulk-1","command":"true"}') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 6000: .*bulk-1.*\(nothing was enqueued\)/);
    expect(r.stdout).toBe('');
    expect(await pending()).toBe(0);
  });

  it('a missing cwd on the last line stores nothing', async () => {
    const r = await t.cli(['enqueue', '--stdin'], { input: lines('{"command":"true","cwd":"/nonexistent/queuectl-dir"}') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/line 6000: .*\/nonexistent\/queuectl-dir/);
    expect(await pending()).toBe(0);
  });

  it('the corrected file then enqueues every job once', async () => {
    const out = await t.ok(['enqueue', '--stdin'], { input: lines(`{"id":"bulk-${LINES}","command":"true"}`) });
    expect(out.split('\n')).toHaveLength(LINES);
    expect(await pending()).toBe(LINES);
    const again = await t.cli(['enqueue', '--stdin'], { input: lines(`{"id":"bulk-${LINES}","command":"true"}`) });
    expect(again.code).toBe(1);
    expect(await pending()).toBe(LINES);
  });
});
