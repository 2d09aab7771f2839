import { BenchHome, CLI, timed } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { median, round } from '../lib/stats.js';

/** Wall time of `queuectl enqueue true` against a running daemon, as a ratio to `node -e 0` (interleaved). */
export async function cliCall(calls = 100): Promise<MetricResult> {
  const h = new BenchHome();
  try {
    await h.start(1);
    for (let i = 0; i < 5; i++) await h.cli(['enqueue', 'true']);
    const node: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < calls; i++) {
      node.push((await timed(process.execPath, ['-e', '0'], h.env)).ms);
      const r = await timed(process.execPath, [CLI, 'enqueue', 'true'], h.env);
      if (r.code !== 0) throw new Error(`enqueue failed: ${r.stderr}`);
      cli.push(r.ms);
    }
    const ratio = median(cli) / median(node);
    /** Issue 20's target: with the code cache, a call costs at most 15% more than Node's own start. */
    const target = 1.15;
    return {
      metric: 'CLI call',
      value: `${round(median(cli), 1)} ms median (enqueue true)`,
      floor: `${round(median(node), 1)} ms (node -e 0)`,
      score: round(ratio),
      target: `≤ ${target} × node -e 0`,
      met: ratio <= target,
      raw: { calls, cli_ms: cli, node_ms: node },
    };
  } finally {
    await h.dispose();
  }
}
