import { describe } from './log.js';

/**
 * A failure anywhere in main() after the engine started (the tray, the window, IPC, a bug) must not leave a
 * process holding the data directory's lock and socket with no window or tray, which the CLI would report as
 * started: the reason is logged, the engine is stopped at once (running jobs requeued) and the app exits 1.
 * The stop gets `stopWaitMs`; after that the app exits anyway (the next start recovers what was left).
 */
export interface AbortDeps {
  log(message: string): void;
  exit(code: number): void;
  /** Shows the reason to a person (not when the CLI launched the app: it reads the log). */
  tell?(message: string): void;
  stopWaitMs?: number;
}

export async function abortStart(reason: unknown, engine: { stop(o: { timeoutMs: number }): Promise<void> } | null, deps: AbortDeps): Promise<void> {
  const message = typeof reason === 'string' ? reason : describe(reason);
  deps.log(`queuectl: could not start: ${message}`);
  if (engine) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), deps.stopWaitMs ?? 10_000)));
    const outcome = await Promise.race([engine.stop({ timeoutMs: 0 }).then(() => 'stopped' as const, (err: unknown) => err), waited]);
    clearTimeout(timer);
    if (outcome === 'timeout') deps.log('queuectl: the engine did not stop in time; exiting anyway');
    else if (outcome !== 'stopped') deps.log(`queuectl: stopping the engine failed: ${describe(outcome)}`);
  }
  try {
    deps.tell?.(typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : String(reason));
  } finally {
    deps.exit(1);
  }
}
