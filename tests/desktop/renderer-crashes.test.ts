import { describe, expect, it } from 'vitest';
import { DEFAULT_CRASH_POLICY, RendererCrashes } from '../../electron/main/renderer-crashes.js';

describe('dashboard renderer crashes', () => {
  it('reloads after 1, 2, 4 s, and gives up on the fourth crash within 2 minutes, saying why', () => {
    const crashes = new RendererCrashes();
    expect(crashes.crashed(0, 'crashed')).toEqual({ reload: true, delayMs: 1_000 });
    expect(crashes.crashed(2_000, 'crashed')).toEqual({ reload: true, delayMs: 2_000 });
    expect(crashes.crashed(5_000, 'oom')).toEqual({ reload: true, delayMs: 4_000 });
    const gaveUp = crashes.crashed(10_000, 'oom');
    expect(gaveUp.reload).toBe(false);
    expect(!gaveUp.reload && gaveUp.reason).toMatch(/4 times in 2 min \(last: oom\); not reloading/);
    // Still crashing: still no reload.
    expect(crashes.crashed(11_000, 'crashed').reload).toBe(false);
  });

  it('crashes older than the window no longer count; reset (the dashboard opened again) starts afresh', () => {
    const crashes = new RendererCrashes();
    crashes.crashed(0, 'crashed');
    crashes.crashed(1_000, 'crashed');
    crashes.crashed(2_000, 'crashed');
    expect(crashes.crashed(2_000 + DEFAULT_CRASH_POLICY.windowMs, 'crashed')).toEqual({ reload: true, delayMs: 1_000 });
    crashes.crashed(130_000, 'crashed');
    crashes.crashed(130_500, 'crashed');
    expect(crashes.crashed(131_000, 'crashed').reload).toBe(false);
    crashes.reset();
    expect(crashes.crashed(131_500, 'crashed')).toEqual({ reload: true, delayMs: 1_000 });
  });

  it('never waits longer than the policy\'s cap', () => {
    const crashes = new RendererCrashes({ maxReloads: 10, windowMs: 60_000, firstDelayMs: 1_000, maxDelayMs: 5_000 });
    const delays = Array.from({ length: 6 }, (_, i) => crashes.crashed(i, 'crashed')).map((d) => (d.reload ? d.delayMs : -1));
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });
});
