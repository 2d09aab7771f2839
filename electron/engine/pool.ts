import type { WorkerInfo } from '../../protocol/index.js';
import type { SpawnWorker, WorkerHandle } from './spawn.js';
import { killRun, RUN_MARKER_VAR } from './worker/contain.js';
import type { KillReason, RunFinished, RunRequest } from './worker/messages.js';

/** The job a busy worker runs. */
export interface Assignment {
  jobId: string;
  attempt: number;
  command: string;
  since: number;
  /** Process group of the command once it started. */
  pgid: number | null;
  /** Boot id + start time of that group's leader (see worker/process-identity.ts). */
  pgidIdentity: string | null;
  /** The log cap the run was given (its section is trimmed to it, whatever the setting says now). */
  logMaxBytes: number;
  /** Where the run's section of the job's log begins (RunRequest.logStart). */
  logStart: number;
  /** The run's QUEUECTL_RUN marker (worker/contain.ts), or null when the request carried none. */
  marker: string | null;
  /** Why the engine asked the worker to kill the run, or null. */
  killedFor: KillReason | null;
  /** The worker did not end the run in time (it was stopped or hung): the engine killed it, and the run's processes. */
  overdue: 'timed_out' | KillReason | null;
  /** This run asked its own daemon to stop (`daemon.stop` with its job id): the stop does not wait for it. */
  stopRequester: boolean;
}

/**
 * A worker slot:
 * - starting: process spawned, not yet ready;
 * - idle: ready for a job;
 * - busy: running `job`;
 * - retiring: leaving (scale-down or stop); told to exit once idle, after its result arrived.
 */
type Slot =
  | { id: number; handle: WorkerHandle; status: 'starting' | 'idle'; job: null }
  | { id: number; handle: WorkerHandle; status: 'busy'; job: Assignment }
  | { id: number; handle: WorkerHandle; status: 'retiring'; job: Assignment | null };

/** What the pool tells its owner. */
export interface PoolEvents {
  /** A worker became idle: give it work. */
  onIdle(): void;
  /** A run ended normally (any exit code, timeout or requested kill). */
  onFinished(workerId: number, result: RunFinished): void;
  /** A worker died while running a job; its process tree has been killed. */
  onCrashed(workerId: number, job: Assignment, code: number | null, signal: string | null): void;
  onStarted(workerId: number, job: Assignment): void;
  /** A worker appeared, became ready, finished a job or went away: what `info()` shows changed. */
  onWorkersChanged(): void;
  log(message: string): void;
}

/**
 * How long past a run's timeout, or a kill request, the engine waits for the worker's result before it kills
 * the worker itself (a job can SIGSTOP its own worker): the worker's grace (2 s, worker/run-command.ts) and a
 * margin for the kill and the report.
 */
export const WORKER_OVERDUE_MS = 2000 + 3000;

/** Respawn delays after workers that die right after starting: avoids a hot crash loop. */
const RESPAWN_BACKOFF_MS = [0, 100, 500, 2000, 5000, 15000];
const QUICK_DEATH_MS = 2000;

/** N long-lived worker processes, each running one job at a time; a dead worker is replaced. */
export class Pool {
  private readonly slots = new Map<number, Slot>();
  private target = 0;
  private quickDeaths = 0;
  private stopped = false;
  private readonly exitWaiters = new Set<() => void>();

  constructor(
    private readonly spawnWorker: SpawnWorker,
    private readonly events: PoolEvents,
  ) {}

  /** Grows or shrinks to n workers. Busy workers beyond n retire after their job. */
  resize(n: number): void {
    if (this.stopped) return;
    this.target = n;
    const live = [...this.slots.values()].filter((s) => s.status !== 'retiring');
    for (let i = live.length; i < n; i++) this.spawn(this.freeId());
    const excess = live.length - n;
    if (excess > 0) {
      const byPreference = live.sort((a, b) => rank(a) - rank(b) || b.id - a.id);
      for (const slot of byPreference.slice(0, excess)) this.retire(slot);
    }
  }

  idleWorkers(): number[] {
    return [...this.slots.values()].filter((s) => s.status === 'idle').map((s) => s.id);
  }

  busyCount(): number {
    return [...this.slots.values()].filter((s) => s.job !== null).length;
  }

  /** Hands a claimed job to an idle worker. */
  run(workerId: number, request: RunRequest): void {
    const slot = this.slots.get(workerId);
    if (!slot || slot.status !== 'idle') throw new Error(`worker ${workerId} is not idle`);
    const job: Assignment = {
      jobId: request.jobId,
      attempt: request.attempt,
      command: request.command,
      since: Date.now(),
      pgid: null,
      pgidIdentity: null,
      logMaxBytes: request.logMaxBytes,
      logStart: request.logStart ?? 0,
      marker: request.queuectlEnv[RUN_MARKER_VAR] ?? null,
      killedFor: null,
      overdue: null,
      stopRequester: false,
    };
    this.slots.set(workerId, { ...slot, status: 'busy', job });
    slot.handle.send(request);
    if (request.timeoutMs !== null) this.watch(workerId, job, request.timeoutMs + WORKER_OVERDUE_MS, 'timed_out');
  }

  /** Asks the worker running `jobId` to kill it. Returns false if no worker runs it. */
  kill(jobId: string, reason: KillReason): boolean {
    for (const slot of this.slots.values()) {
      if (slot.job?.jobId === jobId) {
        slot.job.killedFor = reason;
        slot.handle.send({ type: 'kill', jobId, reason });
        this.watch(slot.id, slot.job, WORKER_OVERDUE_MS, reason);
        return true;
      }
    }
    return false;
  }

  /** Marks the running `jobId` as the one that asked for the stop (graceful-stop.ts does not wait for it). */
  markStopRequester(jobId: string): boolean {
    const job = this.running().find((j) => j.jobId === jobId);
    if (job) job.stopRequester = true;
    return job !== undefined;
  }

  /**
   * Resolves true once no worker runs `jobId` any more (its result arrived, so its processes are gone, or its
   * worker died and the run was killed here), false if that takes longer than `timeoutMs`.
   */
  async untilGone(jobId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running().some((j) => j.jobId === jobId)) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /**
   * If the worker still runs this very run after `ms`, it cannot answer (stopped by SIGSTOP, or hung): it is
   * killed (SIGKILL), and exited() kills the run's processes and reports the run as `why`.
   */
  private watch(workerId: number, job: Assignment, ms: number, why: NonNullable<Assignment['overdue']>): void {
    setTimeout(() => {
      const slot = this.slots.get(workerId);
      if (slot?.job !== job || job.overdue !== null) return;
      job.overdue = why;
      this.events.log(`worker ${workerId} (pid ${slot.handle.pid}) did not end job ${job.jobId} in time (${why}); killing the worker and the job's processes`);
      try {
        if (slot.handle.pid) process.kill(slot.handle.pid, 'SIGKILL');
        else slot.handle.kill();
      } catch {
        slot.handle.kill();
      }
    }, ms).unref();
  }

  /** Jobs running now. */
  running(): Assignment[] {
    return [...this.slots.values()].flatMap((s) => (s.job ? [s.job] : []));
  }

  info(): WorkerInfo[] {
    return [...this.slots.values()]
      .sort((a, b) => a.id - b.id)
      .map((s) => ({
        id: s.id,
        pid: s.handle.pid,
        job_id: s.job?.jobId ?? null,
        command: s.job?.command ?? null,
        since: s.job ? new Date(s.job.since).toISOString() : null,
      }));
  }

  /**
   * Lets idle workers exit now and busy ones after their job; after `timeoutMs` kills what is left and
   * waits (briefly) for those exits too, so every crash report arrives before the caller moves on.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) this.retire(slot);
    await this.untilEmpty(Date.now() + timeoutMs);
    for (const slot of this.slots.values()) this.destroy(slot);
    await this.untilEmpty(Date.now() + 2000);
  }

  private async untilEmpty(deadline: number): Promise<void> {
    while (this.slots.size > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.exitWaiters.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private freeId(): number {
    let id = 1;
    while (this.slots.has(id)) id++;
    return id;
  }

  private spawn(id: number): void {
    const handle = this.spawnWorker(id);
    const spawnedAt = Date.now();
    this.slots.set(id, { id, handle, status: 'starting', job: null });
    handle.onMessage((msg) => this.receive(id, handle, msg));
    handle.onExit((code, signal) => this.exited(id, handle, code, signal, Date.now() - spawnedAt));
  }

  private receive(id: number, handle: WorkerHandle, msg: Parameters<Parameters<WorkerHandle['onMessage']>[0]>[0]): void {
    const slot = this.slots.get(id);
    if (!slot || slot.handle !== handle) return;
    switch (msg.type) {
      case 'ready':
        if (slot.status === 'starting') {
          this.quickDeaths = 0;
          this.slots.set(id, { ...slot, status: 'idle', job: null });
          this.events.onWorkersChanged();
          this.events.onIdle();
        }
        return;
      case 'started':
        if (slot.job && slot.job.jobId === msg.jobId) {
          slot.job.pgid = msg.pid;
          slot.job.pgidIdentity = msg.identity;
          this.events.onStarted(id, slot.job);
        }
        return;
      case 'finished': {
        if (!slot.job || slot.job.jobId !== msg.jobId) return;
        if (slot.status === 'retiring') {
          this.slots.set(id, { ...slot, job: null });
          this.events.onFinished(id, msg);
          this.events.onWorkersChanged();
          // Only now, with its result received, is it told to go: a worker never exits with a result in flight.
          handle.send({ type: 'shutdown' });
          return;
        }
        this.slots.set(id, { id, handle, status: 'idle', job: null });
        this.events.onFinished(id, msg);
        this.events.onWorkersChanged();
        this.events.onIdle();
        return;
      }
      default: {
        const never: never = msg;
        this.events.log(`worker ${id} sent an unknown message ${JSON.stringify(never)}`);
      }
    }
  }

  private exited(id: number, handle: WorkerHandle, code: number | null, signal: string | null, livedMs: number): void {
    const slot = this.slots.get(id);
    if (!slot || slot.handle !== handle) return;
    this.slots.delete(id);
    this.events.onWorkersChanged();
    for (const w of this.exitWaiters) w();
    this.exitWaiters.clear();
    const expected = slot.status === 'retiring' && slot.job === null;
    if (slot.job) {
      killRun({ leader: slot.job.pgid, marker: slot.job.marker, since: startedAt(slot.job.pgidIdentity) });
      this.events.log(`worker ${id} (pid ${handle.pid}) died during job ${slot.job.jobId} (code ${code}, signal ${signal})`);
      this.events.onCrashed(id, slot.job, code, signal);
    } else if (!expected) {
      this.events.log(`worker ${id} (pid ${handle.pid}) exited unexpectedly (code ${code}, signal ${signal})`);
    }
    if (this.stopped) return;
    const live = [...this.slots.values()].filter((s) => s.status !== 'retiring').length;
    if (live >= this.target) return;
    this.quickDeaths = livedMs < QUICK_DEATH_MS && !expected ? this.quickDeaths + 1 : 0;
    const delay = RESPAWN_BACKOFF_MS[Math.min(this.quickDeaths, RESPAWN_BACKOFF_MS.length - 1)]!;
    const respawn = (): void => {
      if (this.stopped || this.slots.has(id)) return;
      if ([...this.slots.values()].filter((s) => s.status !== 'retiring').length < this.target) this.spawn(id);
    };
    if (delay === 0) respawn();
    else setTimeout(respawn, delay).unref();
  }

  /**
   * Starting workers are killed; idle ones are told to exit; busy ones are told once their result arrived
   * (see receive): under Electron's parentPort a worker cannot know its last message left the process
   * before it exits, so it must not exit on its own with a result still to send.
   */
  private retire(slot: Slot): void {
    if (slot.status === 'retiring') return;
    this.slots.set(slot.id, { ...slot, status: 'retiring' } as Slot);
    if (slot.status === 'starting') this.destroy(slot);
    else if (slot.job === null) slot.handle.send({ type: 'shutdown' });
  }

  private destroy(slot: Slot): void {
    slot.handle.kill();
  }
}

/** The start time (clock ticks) in a process identity "boot id:ticks" (worker/process-identity.ts), or null. */
function startedAt(identity: string | null): number | null {
  const ticks = identity === null ? NaN : Number(identity.slice(identity.lastIndexOf(':') + 1));
  return Number.isFinite(ticks) ? ticks : null;
}

/** Which workers to retire first: starting, then idle, then busy. */
function rank(slot: Slot): number {
  return slot.status === 'starting' ? 0 : slot.status === 'idle' ? 1 : 2;
}
