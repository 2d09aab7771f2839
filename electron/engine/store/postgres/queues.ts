import type pg from 'pg';
import { DEFAULT_QUEUE, type QueueInfo, type ResumedAll } from '../../../../protocol/index.js';
import { toQueueInfo, type QueueRow } from '../queue-queries.js';
import type { JobRow } from '../rows.js';
import type { PauseState } from '../transitions/pause.js';
import { deadReason, type PausedOnDead, type QueueSettings } from '../transitions/queue-pause.js';
import { at, inTransaction, LOCKS, one, query, rows } from './db.js';
import { queueCounts, zeroCounts } from './job-reads.js';
import { pauseOnDead } from './runs.js';

const QUEUE_COLUMNS = 'name, paused, paused_at, paused_reason, parallel, pause_on_dead';

/** Per queue, waiting jobs that cannot start yet (a run_at to come, or a parent not completed) and the oldest ready job's run_at. */
interface Readiness {
  scheduled: number;
  oldest: number | null;
}

/** queue-queries.ts's split of waiting jobs into ready and scheduled, for every queue or one; as of `now`. */
async function readiness(db: pg.Pool, now: number, queue: string | null): Promise<Map<string, Readiness>> {
  const found = await rows<{ queue: string; scheduled: number; oldest: number | null }>(
    db,
    `SELECT q.name AS queue,
       (SELECT count(*) FROM queuectl.jobs j WHERE j.queue = q.name AND j.state IN ('pending','failed') AND (j.waiting_on > 0 OR j.run_at > $1)) AS scheduled,
       (SELECT min(run_at) FROM queuectl.jobs j WHERE j.queue = q.name AND j.state IN ('pending','failed') AND j.waiting_on = 0 AND j.run_at <= $1) AS oldest
     FROM queuectl.queues q WHERE $2::text IS NULL OR q.name = $2`,
    [at(now), queue],
  );
  return new Map(found.map((r) => [r.queue, { scheduled: r.scheduled, oldest: r.oldest }]));
}

function info(row: QueueRow, counts: QueueInfo['counts'], ready: Readiness | undefined, now: number): QueueInfo {
  return toQueueInfo(row, counts, ready?.scheduled ?? 0, ready?.oldest ?? null, now);
}

/** Holds claims until the caller commits (claim.ts takes the same lock shared): a switch that committed is obeyed. */
const holdClaims = (c: pg.PoolClient) => c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.claims]);

/** Named queues and the pause switches (queue-queries.ts, pause.ts, queue-pause.ts on SQLite). */
export function queueStore(pool: pg.Pool) {
  const pauseState = async (db: pg.Pool | pg.PoolClient = pool): Promise<PauseState> => {
    const row = await one<{ paused: number; paused_at: number | null }>(db, 'SELECT paused, paused_at FROM queuectl.pause_all WHERE id = 1');
    return { paused: row?.paused === 1, since: row?.paused_at ?? null };
  };
  return {
    async queueInfos(now = Date.now()): Promise<QueueInfo[]> {
      const [queues, counts, ready] = await Promise.all([
        rows<QueueRow>(pool, `SELECT ${QUEUE_COLUMNS} FROM queuectl.queues ORDER BY name <> '${DEFAULT_QUEUE}', name`),
        queueCounts(pool),
        readiness(pool, now, null),
      ]);
      return queues.map((row) => info(row, counts.get(row.name) ?? zeroCounts(), ready.get(row.name), now));
    },
    async queueInfo(name: string, now = Date.now()): Promise<QueueInfo | null> {
      const row = await one<QueueRow>(pool, `SELECT ${QUEUE_COLUMNS} FROM queuectl.queues WHERE name = $1`, [name]);
      if (!row) return null;
      const [counts, ready] = await Promise.all([queueCounts(pool), readiness(pool, now, name)]);
      return info(row, counts.get(name) ?? zeroCounts(), ready.get(name), now);
    },
    pauseState: (): Promise<PauseState> => pauseState(),

    setPaused: (paused: boolean, now: number): Promise<PauseState> =>
      inTransaction(pool, async (c) => {
        await holdClaims(c);
        if (paused) await c.query('UPDATE queuectl.pause_all SET paused = true, paused_at = $1 WHERE id = 1 AND NOT paused', [at(now)]);
        else await c.query('UPDATE queuectl.pause_all SET paused = false, paused_at = NULL WHERE id = 1 AND paused');
        return pauseState(c);
      }),

    resumeEverything: (): Promise<ResumedAll> =>
      inTransaction(pool, async (c) => {
        const all = (await c.query('UPDATE queuectl.pause_all SET paused = false, paused_at = NULL WHERE id = 1 AND paused')).rowCount === 1;
        const queues = (
          await rows<{ name: string }>(
            c,
            `UPDATE queuectl.queues SET paused = false, paused_at = NULL, paused_reason = NULL WHERE paused RETURNING name`,
          )
        )
          .map((q) => q.name)
          .sort((a, b) => (a === DEFAULT_QUEUE ? -1 : b === DEFAULT_QUEUE ? 1 : a < b ? -1 : a > b ? 1 : 0));
        return { all, queues };
      }),

    setQueuePaused: (name: string, paused: boolean, now: number): Promise<{ changed: boolean } | null> =>
      inTransaction(pool, async (c) => {
        if (paused) await holdClaims(c);
        if (!(await one(c, 'SELECT name FROM queuectl.queues WHERE name = $1', [name]))) return null;
        const r = paused
          ? await c.query('UPDATE queuectl.queues SET paused = true, paused_at = $2, paused_reason = NULL WHERE name = $1 AND NOT paused', [name, at(now)])
          : await c.query('UPDATE queuectl.queues SET paused = false, paused_at = NULL, paused_reason = NULL WHERE name = $1 AND paused', [name]);
        return { changed: r.rowCount === 1 };
      }),

    configureQueue: (name: string, settings: QueueSettings): Promise<{ created: boolean; changed: boolean }> =>
      inTransaction(pool, async (c) => {
        if (settings.parallel !== undefined) await holdClaims(c);
        const created = (await c.query('INSERT INTO queuectl.queues (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name])).rowCount === 1;
        let changed = false;
        if (settings.parallel !== undefined) {
          const r = await c.query('UPDATE queuectl.queues SET parallel = $2 WHERE name = $1 AND parallel IS DISTINCT FROM $2', [name, settings.parallel]);
          changed = r.rowCount === 1 || changed;
        }
        if (settings.pause_on_dead !== undefined) {
          const r = await c.query('UPDATE queuectl.queues SET pause_on_dead = $2 WHERE name = $1 AND pause_on_dead <> $2', [name, settings.pause_on_dead]);
          changed = r.rowCount === 1 || changed;
        }
        return { created, changed };
      }),

    pauseQueuesOnDead: (deadRows: readonly JobRow[], now: number): Promise<PausedOnDead[]> =>
      inTransaction(pool, async (c) => {
        const paused: PausedOnDead[] = [];
        for (const row of deadRows) if (row.state === 'dead' && (await pauseOnDead(c, row.queue, now, row.id))) paused.push({ queue: row.queue, jobId: row.id });
        return paused;
      }),

    async notePausedOnDead(queue: string, jobId: string): Promise<void> {
      await query(pool, `UPDATE queuectl.queues SET paused_reason = $1 WHERE name = $2 AND paused AND pause_on_dead AND paused_reason IS NULL`, [deadReason(jobId), queue]);
    },
  };
}
