import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';

/** A job ready to insert: validated, with defaults from config filled in. */
export interface NewJob {
  id: string | null;
  name: string | null;
  command: string;
  max_retries: number;
  priority: number;
  timeout_ms: number | null;
  cwd: string | null;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 8 characters from a 32-letter alphabet without look-alikes (i, l, o, u): 40 random bits. */
export function generateId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}

/** Inserts pending jobs. A chosen id that exists is DUPLICATE_ID; a generated one that collides is redrawn. */
export function prepareEnqueue(db: Database.Database) {
  const insert = db.prepare<unknown[], JobRow>(`
    INSERT INTO jobs (id, name, command, state, attempts, max_retries, priority, timeout_ms, cwd, run_at, created_at, updated_at)
    VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO NOTHING
    RETURNING *`);

  function insertOne(job: NewJob, now: number): JobRow {
    for (let tries = 0; tries < 5; tries++) {
      const id = job.id ?? generateId();
      const row = insert.get(id, job.name, job.command, job.max_retries, job.priority, job.timeout_ms, job.cwd, now, now, now);
      if (row) return row;
      if (job.id !== null) throw new QueueError('DUPLICATE_ID', `a job with id "${job.id}" exists already`, { id: job.id });
    }
    throw new Error('could not generate a unique job id in 5 tries');
  }

  /** One job, in an explicit transaction so a failed commit (full disk) throws instead of passing silently. */
  const enqueue = db.transaction(insertOne);
  /** Many jobs in one transaction: all or none. */
  const enqueueMany = db.transaction((jobs: NewJob[], now: number): string[] => jobs.map((job) => insertOne(job, now).id));

  return { enqueue, enqueueMany };
}
