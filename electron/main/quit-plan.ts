import { formatDuration } from '../../protocol/index.js';

/**
 * What Quit does. With nothing running the engine stops at once. With jobs running the user chooses: wait
 * (the graceful stop: they get the configured stop_timeout_ms to finish, then are killed and requeued), stop
 * them now and requeue them (no attempt is spent either way), or cancel. While a stop is under way, Quit
 * again means "now". OS shutdown, a signal and `queuectl worker stop` never ask.
 */

export type QuitChoice = 'wait' | 'requeue' | 'cancel';

export interface QuitPrompt {
  message: string;
  detail: string;
  /** Button labels in the order of QUIT_CHOICES. */
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export const QUIT_CHOICES: readonly QuitChoice[] = ['wait', 'requeue', 'cancel'];

/** The confirmation to show, or null when Quit needs none. */
export function quitPrompt(running: number, stopTimeoutMs: number): QuitPrompt | null {
  if (running <= 0) return null;
  const jobs = running === 1 ? '1 job is' : `${running} jobs are`;
  return {
    message: `${jobs} running. Quit queuectl?`,
    detail:
      `Wait: no new jobs start; running ones get up to ${formatDuration(stopTimeoutMs)} to finish, then are stopped and put back to pending.\n` +
      'Stop and requeue: running jobs are stopped now and put back to pending; they run again at the next start.',
    buttons: ['Wait for them', 'Stop and requeue', 'Cancel'],
    defaultId: 0,
    cancelId: 2,
  };
}

/** The engine.stop options for a choice; null for cancel. */
export function stopOptionsFor(choice: QuitChoice): { timeoutMs?: number } | null {
  switch (choice) {
    case 'wait':
      return {};
    case 'requeue':
      return { timeoutMs: 0 };
    case 'cancel':
      return null;
    default: {
      const never: never = choice;
      throw new Error(`unknown choice ${String(never)}`);
    }
  }
}
