import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, type ConfigKey, type ConfigValue, type JobState } from '../../protocol/index.js';
import { clearUntrusted } from './home-files.js';
import type { StoreApi } from './store/api.js';
import { logPathFor, type JobRow } from './store/rows.js';
import { killTree } from './worker/kill-tree.js';
import { CappedLog } from './worker/log-file.js';

/**
 * The states a run ends in: TERMINAL_STATES and failed (the run ended, though the job will run again). Each
 * time a job enters one, the hook runs once for it.
 */
const ENDED_STATES: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed', 'dead', 'canceled']);

/** Variables the hook gets about the job; inherited ones of the same names are removed first. */
const JOB_VARS = [
  'QUEUECTL_JOB_ID',
  'QUEUECTL_STATE',
  'QUEUECTL_EXIT_CODE',
  'QUEUECTL_COMMAND',
  'QUEUECTL_LOG_PATH',
  'QUEUECTL_ATTEMPT',
  'QUEUECTL_NAME',
  'QUEUECTL_WORKER_ID',
] as const;

export interface FinishHookLimits {
  /** Hooks running at once. */
  running: number;
  /** Hook runs waiting for a slot; beyond this they are dropped (counted and logged). */
  queued: number;
  /** Cap of on_finish.log; when full, the next run starts a new file and the old one becomes on_finish.log.1. */
  logMaxBytes: number;
  /** Between SIGTERM and SIGKILL of a hook's process group once it timed out. */
  killGraceMs: number;
  /** How long running hooks get when the daemon stops gracefully (then SIGTERM, and SIGKILL 1 s later). */
  stopGraceMs: number;
  /** A canceled job's hook waits at most this long for the job's processes to be gone. */
  settleMs: number;
}

export const FINISH_HOOK_LIMITS: FinishHookLimits = {
  running: 4,
  queued: 1000,
  logMaxBytes: 1024 ** 2,
  killGraceMs: 2000,
  stopGraceMs: 3000,
  settleMs: 5000,
};

export interface FinishHookOptions {
  /** The data directory: the hooks' working directory and their QUEUECTL_HOME. */
  home: string;
  /** Where the jobs' logs are (for QUEUECTL_LOG_PATH). */
  logsDir: string;
  /** The finished runs' numbers (QUEUECTL_ATTEMPT). */
  store: Pick<StoreApi, 'lastFinishedAttempt'>;
  settings: { get<K extends ConfigKey>(key: K): ConfigValue<K> };
  /** True while a worker still runs the job (a canceled job's processes are being killed). */
  isRunning: (jobId: string) => boolean;
  log: (message: string) => void;
  limits?: Partial<FinishHookLimits>;
}

/** The hooks' own output, in the data directory (not in logs/, where a job may be called "on_finish"). */
export function hookLogPath(home: string): string {
  return join(home, 'on_finish.log');
}

/** One hook run to do: the job as it was when its run ended. */
interface HookRun {
  jobId: string;
  state: JobState;
  vars: Record<string, string>;
  /** False until its attempt number was read from the store; runs start in order, each once ready. */
  ready: boolean;
  /** The attempt number could not be read: the run is not started (logged). */
  skip: boolean;
}

interface RunningHook {
  run: HookRun;
  pid: number | null;
  done: Promise<void>;
  /** Set when the daemon's stop ended it, so the end is not reported as the hook's failure. */
  stoppedByDaemon: boolean;
}

/**
 * The completion hook (`on_finish`): runs after every job end, with the job only in `QUEUECTL_*` variables
 * so nothing from a job is parsed by a shell; fire and forget, capped and isolated. What it promises, and
 * why: docs/jobs.md#on_finish.
 */
export class FinishHook {
  private readonly limits: FinishHookLimits;
  private readonly queue: HookRun[] = [];
  private settling: Array<{ run: HookRun; until: number }> = [];
  private settleTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<RunningHook>();
  private readonly hookLog: HookLog;
  private readonly logPath: string;
  /** Runs dropped since the queue last filled up. */
  private dropped = 0;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private pumpScheduled = false;

  constructor(private readonly options: FinishHookOptions) {
    this.limits = { ...FINISH_HOOK_LIMITS, ...options.limits };
    this.logPath = hookLogPath(options.home);
    this.hookLog = new HookLog(this.logPath, this.limits.logMaxBytes, options.log);
  }

  /**
   * Hears every announced job change; acts only on a transition into completed, failed, dead or canceled.
   * Never throws and never waits: the scheduler calls it right after its transaction, so the hook is only
   * queued here and spawned on a later turn of the event loop (after the claimed jobs were launched).
   */
  jobChanged(row: JobRow): void {
    if (this.stopped || !ENDED_STATES.has(row.state) || this.command() === '') return;
    try {
      const run = this.describe(row);
      // At most `queued` runs wait for a slot (the queue also holds, until the next turn, runs that take a free one).
      const freeSlots = Math.max(0, this.limits.running - this.running.size);
      if (this.queue.length + this.settling.length >= this.limits.queued + freeSlots) return this.drop(run);
      if (row.state === 'canceled' && this.options.isRunning(row.id)) {
        this.settling.push({ run, until: Date.now() + this.limits.settleMs });
        this.settleTimer ??= setInterval(() => this.settle(), 100).unref();
        return;
      }
      this.queue.push(run);
      this.schedulePump();
    } catch (err) {
      this.options.log(`on_finish hook for job ${row.id} not run: ${(err as Error).message}`);
    }
  }

  /**
   * Graceful stop: nothing new starts (waiting runs are dropped, with a count); running hooks get a short
   * grace, then their process groups get SIGTERM and, a second later, SIGKILL.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      const waiting = this.queue.length + this.settling.length;
      this.clearWaiting();
      if (waiting > 0) this.options.log(`on_finish: ${waiting} hook run(s) not started: the daemon is stopping`);
      this.reportDropped();
      if (this.running.size === 0) return;
      const all = (): Promise<void> => Promise.all([...this.running].map((h) => h.done)).then(() => undefined);
      if (await within(all(), this.limits.stopGraceMs)) return;
      this.options.log(`on_finish: killing ${this.running.size} hook(s) still running after ${formatDuration(this.limits.stopGraceMs)} (the daemon is stopping)`);
      this.signalAll('SIGTERM');
      if (await within(all(), 1000)) return;
      this.signalAll('SIGKILL');
      await within(all(), 1000);
    })();
    return this.stopping;
  }

  /** Start-up failed or the engine is torn down at once: SIGKILL every running hook, start nothing more. */
  kill(): void {
    this.stopped = true;
    this.clearWaiting();
    this.signalAll('SIGKILL');
  }

  /** The hook command, '' when none is set (whitespace alone counts as none). */
  private command(): string {
    const command = this.options.settings.get('on_finish');
    return command.trim() === '' ? '' : command;
  }

  /** The run to do for `row`; its attempt number is read now (the run that just ended) and filled in when read. */
  private describe(row: JobRow): HookRun {
    const vars: Record<string, string> = {
      QUEUECTL_HOME: this.options.home,
      QUEUECTL_JOB_ID: row.id,
      QUEUECTL_STATE: row.state,
      // A cancel is not the end of a run with an exit code (a canceled failed job keeps its last one).
      QUEUECTL_EXIT_CODE: row.state === 'canceled' || row.exit_code === null ? '' : String(row.exit_code),
      QUEUECTL_COMMAND: row.command,
      QUEUECTL_LOG_PATH: logPathFor(this.options.logsDir, row.id),
    };
    if (row.name !== null) vars.QUEUECTL_NAME = row.name;
    const run: HookRun = { jobId: row.id, state: row.state, vars, ready: false, skip: false };
    this.options.store.lastFinishedAttempt(row.id).then(
      (attempt) => {
        vars.QUEUECTL_ATTEMPT = attempt === null ? '' : String(attempt);
        this.ready(run);
      },
      (err: unknown) => {
        this.options.log(`on_finish hook for job ${row.id} not run: ${(err as Error).message}`);
        run.skip = true;
        this.ready(run);
      },
    );
    return run;
  }

  private ready(run: HookRun): void {
    run.ready = true;
    if (this.queue.includes(run)) this.schedulePump();
  }

  private drop(run: HookRun): void {
    if (this.dropped === 0) {
      this.options.log(`on_finish: ${this.limits.queued} hook runs are waiting already; dropping further ones (first: job ${run.jobId}) until the queue empties`);
    }
    this.dropped++;
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.options.log(`on_finish: dropped ${this.dropped} hook run(s) while the queue was full`);
    this.dropped = 0;
  }

  /** Moves canceled jobs' runs whose processes are gone (or that waited long enough) into the queue. */
  private settle(): void {
    const now = Date.now();
    const ready = this.settling.filter((s) => s.until <= now || !this.options.isRunning(s.run.jobId));
    if (ready.length === 0) return;
    this.settling = this.settling.filter((s) => !ready.includes(s));
    if (this.settling.length === 0 && this.settleTimer) {
      clearInterval(this.settleTimer);
      this.settleTimer = null;
    }
    for (const { run } of ready) this.queue.push(run);
    this.schedulePump();
  }

  private clearWaiting(): void {
    this.queue.length = 0;
    this.settling = [];
    if (this.settleTimer) clearInterval(this.settleTimer);
    this.settleTimer = null;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.limits.running && this.queue[0]?.ready) {
      const run = this.queue.shift()!;
      if (!run.skip) this.start(run);
    }
    if (this.queue.length === 0 && this.settling.length === 0) this.reportDropped();
  }

  private start(run: HookRun): void {
    // Read now, not when the job ended: clearing on_finish also stops runs still waiting.
    const command = this.command();
    if (command === '') return;
    const timeoutMs = this.options.settings.get('on_finish_timeout_ms');
    let out: Generation;
    try {
      out = this.hookLog.acquire();
    } catch (err) {
      this.options.log(`on_finish hook for job ${run.jobId} (${run.state}) not run: cannot open ${this.logPath}: ${(err as Error).message}`);
      return;
    }
    out.log.note(`── on_finish · job ${run.jobId} · ${run.state} · ${new Date().toISOString()} ──\n`);

    const windows = process.platform === 'win32';
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of JOB_VARS) delete env[name];
    Object.assign(env, run.vars);
    let child: ChildProcess;
    try {
      child = spawn(windows ? process.env.ComSpec || 'cmd.exe' : '/bin/sh', windows ? ['/d', '/s', '/c', command] : ['-c', command], {
        cwd: this.options.home,
        env,
        stdio: ['ignore', out.fd, out.fd],
        detached: !windows,
        windowsHide: true,
        windowsVerbatimArguments: windows,
      });
    } catch (err) {
      this.failed(run, out, `could not be started: ${(err as Error).message}`);
      this.hookLog.release(out);
      return;
    }

    const pid = child.pid ?? null;
    let timedOut = false;
    let escalation: NodeJS.Timeout | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid === null) return;
      killTree(pid, 'SIGTERM');
      escalation = setTimeout(() => killTree(pid, 'SIGKILL'), this.limits.killGraceMs);
    }, timeoutMs);

    let resolveDone!: () => void;
    const hook: RunningHook = { run, pid, done: new Promise<void>((r) => (resolveDone = r)), stoppedByDaemon: false };
    this.running.add(hook);
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, error: Error | null): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (escalation) clearTimeout(escalation);
      // Whatever the hook left running in its group goes with it (a `cmd &` would otherwise escape the
      // concurrency limit, the timeout, the log cap and the daemon's stop).
      if (pid !== null) killTree(pid, 'SIGKILL');
      let failure: string | null = null;
      if (error) failure = `could not be started: ${error.message}`;
      else if (hook.stoppedByDaemon) failure = null;
      else if (timedOut) failure = `timed out after ${formatDuration(timeoutMs)}; its process group was killed`;
      else if (signal) failure = `was killed by ${signal}`;
      else if (code !== 0) failure = `exited with code ${code}`;
      if (failure) this.failed(run, out, failure);
      this.hookLog.release(out);
      this.running.delete(hook);
      resolveDone();
      this.pump();
    };
    child.once('error', (err) => end(null, null, err));
    child.once('exit', (code, signal) => end(code, signal, null));
  }

  /** One line in the daemon's log per failure (and one in the hook's log); never retried. */
  private failed(run: HookRun, out: Generation, what: string): void {
    out.log.note(`── on_finish · job ${run.jobId} (${run.state}): ${what} ──\n`);
    this.options.log(`on_finish hook for job ${run.jobId} (${run.state}) ${what}; not retried (output in ${this.logPath})`);
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const hook of this.running) {
      hook.stoppedByDaemon = true;
      if (hook.pid !== null) killTree(hook.pid, signal);
    }
  }
}

/** True if `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One on_finish.log file while hooks write into it. */
interface Generation {
  log: CappedLog;
  fd: number;
  users: number;
}

/**
 * on_finish.log: every hook's output, appended straight from its processes (never through the daemon).
 * Capped like a job's log (head kept, then a note); once full, the next hook run moves it to
 * on_finish.log.1 (replacing the older one) and starts a new file, so the two stay under about twice the cap.
 * The file is open only while hooks run.
 */
class HookLog {
  private current: Generation | null = null;
  private readonly open = new Set<Generation>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly log: (message: string) => void,
  ) {}

  acquire(): Generation {
    if (this.current && this.current.log.size() >= this.maxBytes) this.current = null;
    if (!this.current) {
      if (sizeOf(this.path) >= this.maxBytes) {
        try {
          renameSync(this.path, `${this.path}.1`);
        } catch {
          /* cannot rotate: the capped file takes no more output, which is still bounded */
        }
      }
      // A link or another user's file planted at the name is replaced, never written through (home-files.ts).
      clearUntrusted(this.path, 'file', this.log);
      const log = new CappedLog(this.path, this.maxBytes, 'the on_finish log cap');
      this.current = { log, fd: log.fd, users: 0 };
      this.open.add(this.current);
    }
    this.current.users++;
    this.timer ??= setInterval(() => {
      for (const gen of this.open) gen.log.enforceCap();
    }, 250).unref();
    return this.current;
  }

  release(gen: Generation): void {
    gen.users--;
    if (gen.users > 0) return gen.log.enforceCap();
    gen.log.close();
    this.open.delete(gen);
    if (this.current === gen) this.current = null;
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

function sizeOf(path: string): number {
  try {
    return lstatSync(path).size;
  } catch {
    return 0;
  }
}
