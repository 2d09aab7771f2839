import { LOCKS } from '../db.js';

/**
 * The scheduler's hot path as functions on the server, so a step costs two round trips instead of one per
 * statement (about nine per job before): each round trip on a busy machine is a wake-up of two processes, and
 * node-postgres does not pipeline. The adapter's TypeScript calls these same functions for single claims and
 * finishes (claim.ts, runs.ts, dependencies.ts), so each rule has one definition:
 * - waiting_count: how many of a job's parents have not completed (dependencies.ts on SQLite says why counts are
 *   taken afresh, never decremented);
 * - recount_children: a completed parent's pending children counted again, those whose count moved returned;
 * - finish_ok: a completed or requeued run closed and its job moved on, guarded by the job (processing) and by
 *   the run (still running), so a result written twice changes nothing the second time;
 * - claim_next: one claim under the claims lock (shared; pauses take it exclusive), pauses and `parallel`
 *   limits honoured (a limited queue counted under its own lock), `FOR UPDATE SKIP LOCKED`, its attempt opened
 *   (where its log section starts and its marker are filled by the caller, who knows the job only now);
 * - next_run_at: when the next waiting job falls due (the scheduler's timer);
 * - step: a step's process groups, completed and requeued results (with their children) and claims, as rows,
 *   and when a worker is left idle, next_run_at (saving the scheduler that round trip too).
 * Results that spend an attempt (failed, timed out, crashed) go through runs.ts: their delay is the engine's.
 */
export const sql = `
CREATE FUNCTION queuectl.waiting_count(child text) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer FROM queuectl.job_deps d JOIN queuectl.jobs p ON p.id = d.parent_id
  WHERE d.child_id = child AND p.state <> 'completed'
$$;

CREATE FUNCTION queuectl.recount_children(parent text, t timestamptz) RETURNS SETOF queuectl.jobs LANGUAGE plpgsql AS $$
DECLARE
  child queuectl.jobs;
  counted queuectl.jobs;
BEGIN
  FOR child IN SELECT c.* FROM queuectl.job_deps d JOIN queuectl.jobs c ON c.id = d.child_id
               WHERE d.parent_id = parent AND c.state = 'pending' ORDER BY c.seq LOOP
    UPDATE queuectl.jobs SET waiting_on = queuectl.waiting_count(child.id), updated_at = t WHERE id = child.id RETURNING * INTO counted;
    IF counted.waiting_on <> child.waiting_on THEN RETURN NEXT counted; END IF;
  END LOOP;
END $$;

CREATE FUNCTION queuectl.finish_ok(job text, run integer, outcome text, code integer, sig text, err text, line text, t timestamptz)
RETURNS SETOF queuectl.jobs LANGUAGE plpgsql AS $$
DECLARE
  done queuectl.jobs;
BEGIN
  UPDATE queuectl.attempts SET finished_at = t, outcome = finish_ok.outcome, exit_code = code, signal = sig, error = err, last_line = line
  WHERE job_id = job AND number = run AND attempts.outcome = 'running';
  IF NOT FOUND THEN RETURN; END IF;
  IF outcome = 'completed' THEN
    UPDATE queuectl.jobs SET state = 'completed', exit_code = code, last_error = NULL, last_line = line,
      finished_at = t, updated_at = t, worker_id = NULL
    WHERE id = job AND state = 'processing' RETURNING * INTO done;
  ELSIF outcome = 'requeued' THEN
    UPDATE queuectl.jobs SET state = 'pending', run_at = t, finished_at = t, updated_at = t, worker_id = NULL,
      last_error = err, last_line = line
    WHERE id = job AND state = 'processing' RETURNING * INTO done;
  ELSE
    RAISE EXCEPTION 'finish_ok takes completed or requeued, not %', outcome;
  END IF;
  IF done.id IS NOT NULL THEN RETURN NEXT done; END IF;
END $$;

CREATE FUNCTION queuectl.claim_next(worker integer, t timestamptz, held text[], OUT job queuectl.jobs, OUT run integer)
LANGUAGE plpgsql AS $$
DECLARE
  closed text[];
  limited boolean;
  candidate record;
  lim integer;
  busy bigint;
  checked text[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${LOCKS.claims});
  IF (SELECT paused FROM queuectl.pause_all WHERE id = 1) THEN RETURN; END IF;
  SELECT coalesce(array_agg(name) FILTER (WHERE paused), '{}'), bool_or(NOT paused AND parallel IS NOT NULL)
    INTO closed, limited FROM queuectl.queues WHERE paused OR parallel IS NOT NULL;
  IF limited IS NOT TRUE THEN
    -- No queue limited (the usual case): the best candidate is claimed by the statement that picks it.
    UPDATE queuectl.jobs SET state = 'processing', worker_id = worker, started_at = t, finished_at = NULL, updated_at = t
    WHERE id = (SELECT id FROM queuectl.jobs
                WHERE state IN ('pending','failed') AND waiting_on = 0 AND run_at <= t AND queue <> ALL(closed)
                ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
      AND state IN ('pending','failed') RETURNING * INTO job;
  ELSE
    LOOP
      SELECT id, queue INTO candidate FROM queuectl.jobs
      WHERE state IN ('pending','failed') AND waiting_on = 0 AND run_at <= t AND queue <> ALL(closed)
      ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN RETURN; END IF;
      SELECT parallel INTO lim FROM queuectl.queues WHERE name = candidate.queue AND NOT paused;
      IF lim IS NOT NULL AND NOT candidate.queue = ANY(checked) THEN
        PERFORM pg_advisory_xact_lock(${LOCKS.claims}, hashtext(candidate.queue));
        SELECT (SELECT count(*) FROM queuectl.jobs WHERE queue = candidate.queue AND state = 'processing')
             + (SELECT count(*) FROM queuectl.jobs WHERE queue = candidate.queue AND state <> 'processing' AND id = ANY(held))
          INTO busy;
        IF busy >= lim THEN
          closed := closed || candidate.queue;
          CONTINUE;
        END IF;
        checked := checked || candidate.queue;
      END IF;
      UPDATE queuectl.jobs SET state = 'processing', worker_id = worker, started_at = t, finished_at = NULL, updated_at = t
      WHERE id = candidate.id AND state IN ('pending','failed') RETURNING * INTO job;
      EXIT;
    END LOOP;
  END IF;
  IF job.id IS NULL THEN job := NULL; RETURN; END IF;
  INSERT INTO queuectl.attempts (job_id, number, worker_id, started_at)
  VALUES (job.id, (SELECT coalesce(max(number), 0) + 1 FROM queuectl.attempts WHERE job_id = job.id), worker, t)
  RETURNING number INTO run;
END $$;

CREATE FUNCTION queuectl.next_run_at(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT min(run_at) FROM queuectl.jobs WHERE state IN ('pending','failed') AND run_at > t
$$;

CREATE FUNCTION queuectl.step(p jsonb)
RETURNS TABLE (kind text, worker integer, run integer, next_at timestamptz, job queuectl.jobs) LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz := to_timestamp((p->>'now')::double precision / 1000);
  r record;
  done queuectl.jobs;
  claimed record;
  w integer;
BEGIN
  UPDATE queuectl.attempts a SET pgid = g.pgid, pgid_identity = g.identity
  FROM jsonb_to_recordset(p->'groups') AS g(job_id text, attempt integer, pgid integer, identity text)
  WHERE a.job_id = g.job_id AND a.number = g.attempt;
  FOR r IN SELECT * FROM jsonb_to_recordset(p->'results')
             AS x(job_id text, attempt integer, outcome text, exit_code integer, signal text, error text, last_line text) LOOP
    FOR done IN SELECT * FROM queuectl.finish_ok(r.job_id, r.attempt, r.outcome, r.exit_code, r.signal, r.error, r.last_line, t) LOOP
      kind := 'changed'; job := done;
      RETURN NEXT;
      IF done.state = 'completed' THEN
        RETURN QUERY SELECT 'changed', NULL::integer, NULL::integer, NULL::timestamptz, c FROM queuectl.recount_children(done.id, t) c;
      END IF;
    END LOOP;
  END LOOP;
  FOR w IN SELECT jsonb_array_elements_text(p->'workers')::integer LOOP
    SELECT * INTO claimed FROM queuectl.claim_next(w, t, ARRAY(SELECT jsonb_array_elements_text(p->'held')));
    IF claimed.run IS NULL THEN
      kind := 'next'; worker := NULL; run := NULL; job := NULL; next_at := queuectl.next_run_at(t);
      RETURN NEXT;
      EXIT;
    END IF;
    kind := 'claim'; worker := w; run := claimed.run; job := claimed.job;
    RETURN NEXT;
  END LOOP;
END $$;
`;
