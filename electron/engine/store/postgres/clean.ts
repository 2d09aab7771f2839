import type pg from 'pg';
import { CLEAN_BATCH, type CleanFilter } from '../transitions/clean.js';
import { at, inTransaction, one, rows } from './db.js';

/** `jobs.clean` and retention (store/transitions/clean.ts on PostgreSQL): one bounded batch per transaction. */
export function cleanStore(pool: pg.Pool) {
  const finishedCount = async (db: pg.Pool | pg.PoolClient = pool): Promise<number> =>
    (await one<{ n: number }>(db, `SELECT count(*) AS n FROM queuectl.jobs WHERE state IN ('completed','canceled')`))!.n;
  return {
    lastSeq: async (): Promise<number> => (await one<{ seq: number | null }>(pool, 'SELECT max(seq) AS seq FROM queuectl.jobs'))?.seq ?? 0,

    cleanBatch: async (filter: CleanFilter, keep: readonly string[], limit: number = CLEAN_BATCH): Promise<string[]> =>
      (
        await rows<{ id: string }>(
          pool,
          `DELETE FROM queuectl.jobs WHERE seq IN (
             SELECT seq FROM queuectl.jobs WHERE state = $1 AND seq <= $2 AND id <> ALL($3::text[])
               AND ($4::timestamptz IS NULL OR finished_at < $4)
             ORDER BY ${filter.finishedBefore === null ? 'seq' : 'finished_at, seq'} LIMIT $5
           ) AND state IN ('completed','dead','canceled') RETURNING id`,
          [filter.state, filter.maxSeq, keep, filter.finishedBefore === null ? null : at(filter.finishedBefore), limit],
        )
      ).map((r) => r.id),

    countClean: async (filter: CleanFilter, keep: readonly string[]): Promise<number> =>
      (
        await one<{ n: number }>(
          pool,
          `SELECT count(*) AS n FROM queuectl.jobs WHERE state = $1 AND id <> ALL($2::text[]) AND ($3::timestamptz IS NULL OR finished_at < $3)`,
          [filter.state, keep, filter.finishedBefore === null ? null : at(filter.finishedBefore)],
        )
      )!.n,

    finishedCount: (): Promise<number> => finishedCount(),

    trimFinished: (max: number, keep: readonly string[], limit: number = CLEAN_BATCH): Promise<string[]> =>
      inTransaction(pool, async (c) => {
        const excess = (await finishedCount(c)) - max;
        if (excess <= 0) return [];
        return (
          await rows<{ id: string }>(
            c,
            `DELETE FROM queuectl.jobs WHERE seq IN (
               SELECT seq FROM queuectl.jobs WHERE state IN ('completed','canceled') AND id <> ALL($1::text[]) ORDER BY finished_at, seq LIMIT $2
             ) AND state IN ('completed','canceled') RETURNING id`,
            [keep, Math.min(excess, limit)],
          )
        ).map((r) => r.id);
      }),
  };
}
