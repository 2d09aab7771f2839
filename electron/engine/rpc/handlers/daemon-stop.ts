import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams, invalid, optionalInt } from '../params.js';

/**
 * Starts a graceful stop and answers at once; the connection closes when the daemon has stopped. `job_id`
 * names the running job that asked (`queuectl worker stop` run by a job sends its QUEUECTL_JOB_ID): the stop
 * does not wait for that run, which ends as a failed attempt if it is still running when the others are
 * done (graceful-stop.ts), so a job that stops its daemon at every start goes dead after max_retries + 1 runs.
 */
export function daemonStop(ctx: EngineContext, raw: unknown): ResultOf<'daemon.stop'> {
  const params = asParams(raw);
  const timeoutMs = optionalInt(params, 'timeout_ms', 0, 24 * 3_600_000);
  const jobId = params.job_id;
  if (jobId !== undefined && typeof jobId !== 'string') throw invalid('job_id must be a job id');
  if (jobId !== undefined && ctx.pool.markStopRequester(jobId)) ctx.log(`job ${jobId} asked its own daemon to stop; the stop does not wait for it`);
  setImmediate(() => void ctx.stop({ timeoutMs }));
  return { stopping: true, pid: process.pid };
}
