import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DEFAULT_UMASK, QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { canceledFor } from './dependencies.js';

/** A job ready to insert: validated, with defaults from config filled in. */
export interface NewJob {
  id: string | null;
  name: string | null;
  command: string;
  max_retries: number;
  priority: number;
  timeout_ms: number | null;
  cwd: string | null;
  /** Not started before this time (epoch ms); null or absent: as soon as possible. Never stored earlier than now. */
  run_at?: number | null;
  /** The named queue; created (with default settings) if no job or setting named it before. */
  queue: string;
  /**
   * Parent ids, each an existing job (stored, or earlier in the same batch), no duplicates; empty or absent
   * when none. validateSpec leaves the references as given; rpc/parents.ts resolves them before storing.
   */
  after?: readonly string[];
  /** Set by a schedule's firing: its id and the slot (epoch ms); slot null for its "run now". */
  schedule?: { id: string; slot: number | null } | null;
  /** Its whole environment, checked (job-spec.ts storedEnv); null or absent: the queue's own. */
  env?: StoredEnv | null;
  /** The umask its runs start with; absent: DEFAULT_UMASK. */
  umask?: number;
  /** Announce its end on the desktop (`enqueue --notify`); absent: false. */
  notify?: boolean;
  /** Leave the processes it leaves behind running (`enqueue --keep-children`); absent: false. */
  keep_children?: boolean;
}

/** An environment ready to store: its canonical JSON (keys sorted) and that JSON's SHA-256, its key. */
export interface StoredEnv {
  vars: string;
  digest: string;
}

/** A new job's parents as stored: the ids, how many have not completed, the first that is dead or canceled. */
interface Parents {
  ids: readonly string[];
  waiting: number;
  ended: { id: string; state: 'dead' | 'canceled' } | null;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Random bytes drawn 4 KiB at a time: one system call per 512 ids instead of one per id. */
let pool = Buffer.alloc(0);
let poolAt = 0;

/** 8 characters from a 32-letter alphabet without look-alikes (i, l, o, u): 40 random bits. */
export function generateId(): string {
  if (poolAt + 8 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  let id = '';
  for (let i = 0; i < 8; i++) id += ALPHABET[pool[poolAt++]! & 31];
  return id;
}

/**
 * The row id of an environment, stored if its content is new (one row per distinct environment, migration
 * 0008); called inside the transaction that stores the job or schedule using it.
 */
export function prepareStoreEnv(db: Database.Database): (env: StoredEnv) => number {
  const add = db.prepare<[string, string], { id: number }>(`INSERT INTO environments (digest, vars) VALUES (?, ?) RETURNING id`);
  const byDigest = db.prepare<[string], { id: number }>(`SELECT id FROM environments WHERE digest = ?`);
  // Mostly stored already (every enqueue from one shell): look up first, insert only what is new.
  return (env) => (byDigest.get(env.digest) ?? add.get(env.digest, env.vars)!).id;
}

/**
 * Inserts pending jobs. A chosen id that exists is DUPLICATE_ID; a generated one that collides is redrawn.
 * A job with parents waits for those not completed (waiting_on); one with a parent already dead or canceled
 * is stored canceled at once (canceled_by, last_error naming the parent), as if the parent had ended a moment
 * later. A parent that no longer exists is INVALID_ARGUMENT and nothing is stored.
 */
export function prepareEnqueue(db: Database.Database) {
  const columns = `INSERT INTO jobs (id, name, command, state, attempts, max_retries, priority, timeout_ms, cwd, run_at, created_at, updated_at,
      queue, schedule_id, scheduled_for, depends_on, waiting_on, env_id, umask, notify, keep_children)
    VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO NOTHING`;
  /** Every queue a job names has a row (its settings); inside the job's transaction, so a rollback takes both. */
  const ensureQueue = db.prepare<[string]>(`INSERT INTO queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING`);
  const insert = db.prepare<unknown[], JobRow>(`${columns} RETURNING *`);
  /** The same without RETURNING, for batches that only need the ids. */
  const insertQuiet = db.prepare<unknown[]>(columns);
  const storeEnv = prepareStoreEnv(db);
  const parentState = db.prepare<[string], { state: JobRow['state'] }>(`SELECT state FROM jobs WHERE id = ?`);
  const addEdge = db.prepare<[string, string]>(`INSERT INTO job_deps (parent_id, child_id) VALUES (?, ?)`);
  const cancelAtOnce = db.prepare<{ id: string; parent: string; error: string; now: number }, JobRow>(`
    UPDATE jobs SET state = 'canceled', canceled_by = @parent, last_error = @error, finished_at = @now, updated_at = @now
    WHERE id = @id RETURNING *`);

  /** What the parents say about a new job: how many it waits for, and the first that is dead or canceled. */
  function parentsOf(job: NewJob): Parents {
    const ids = job.after ?? [];
    let waiting = 0;
    let ended: Parents['ended'] = null;
    for (const parent of ids) {
      const state = parentState.get(parent)?.state;
      if (state === undefined) throw new QueueError('INVALID_ARGUMENT', `parent job "${parent}" does not exist (any more); nothing was enqueued`, { parent });
      if (state !== 'completed') waiting++;
      if (ended === null && (state === 'dead' || state === 'canceled')) ended = { id: parent, state };
    }
    return { ids, waiting, ended };
  }

  /** Records the edges of a stored job; cancels it when a parent already ended. Returns the canceled row, if so. */
  function linkParents(id: string, parents: Parents, now: number): JobRow | undefined {
    for (const parent of parents.ids) addEdge.run(parent, id);
    if (parents.ended === null) return undefined;
    return cancelAtOnce.get({ id, parent: parents.ended.id, error: canceledFor(parents.ended.id, parents.ended.state), now });
  }

  /**
   * Tries ids until `insert` stores a row: a chosen id that exists is DUPLICATE_ID; a generated one that
   * collides (1 in 10^12 per job) is redrawn.
   */
  function withFreshId<T>(job: NewJob, insert: (id: string) => T | undefined): T {
    for (let tries = 0; tries < 5; tries++) {
      const stored = insert(job.id ?? generateId());
      if (stored !== undefined) return stored;
      if (job.id !== null) throw new QueueError('DUPLICATE_ID', `a job with id "${job.id}" exists already`, { id: job.id });
    }
    throw new Error('could not generate a unique job id in 5 tries');
  }
  const values = (id: string, job: NewJob, parents: Parents, now: number, env: number | null) =>
    [
      id, job.name, job.command, job.max_retries, job.priority, job.timeout_ms, job.cwd, Math.max(now, job.run_at ?? now), now, now,
      job.queue, job.schedule?.id ?? null, job.schedule?.slot ?? null,
      parents.ids.length === 0 ? null : JSON.stringify(parents.ids), parents.waiting, env, job.umask ?? DEFAULT_UMASK, job.notify ? 1 : 0,
      job.keep_children ? 1 : 0,
    ] as const;

  /** One job, in an explicit transaction so a failed commit (full disk) throws instead of passing silently. */
  const enqueue = db.transaction((job: NewJob, now: number): JobRow => {
    ensureQueue.run(job.queue);
    const parents = parentsOf(job);
    const env = job.env ? storeEnv(job.env) : null;
    const row = withFreshId(job, (id) => insert.get(...values(id, job, parents, now, env)));
    return linkParents(row.id, parents, now) ?? row;
  });

  /** Many jobs in one transaction: all or none. Parents earlier in the batch are stored by the time a child is. */
  const enqueueMany = db.transaction((jobs: NewJob[], now: number): string[] => {
    for (const queue of new Set(jobs.map((job) => job.queue))) ensureQueue.run(queue);
    // A batch mostly shares one environment (enqueue.batch's own): stored or looked up once per digest.
    const envIds = new Map<string, number>();
    const envOf = (env: StoredEnv): number => {
      let id = envIds.get(env.digest);
      if (id === undefined) envIds.set(env.digest, (id = storeEnv(env)));
      return id;
    };
    return jobs.map((job) => {
      const parents = parentsOf(job);
      const env = job.env ? envOf(job.env) : null;
      const id = withFreshId(job, (id) => (insertQuiet.run(...values(id, job, parents, now, env)).changes === 1 ? id : undefined));
      linkParents(id, parents, now);
      return id;
    });
  });

  return { enqueue, enqueueMany };
}
