/**
 * How the user likes to read the lists, kept in localStorage so it survives reloads: absolute times instead
 * of "5m ago", and commands wrapped in full instead of cut to one line. Never sent to the daemon.
 */
const KEY = 'queuectl.prefs';

interface Prefs {
  absoluteTimes: boolean;
  wrapCommands: boolean;
}

function read(): Prefs {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return { absoluteTimes: stored.absoluteTimes === true, wrapCommands: stored.wrapCommands === true };
  } catch {
    return { absoluteTimes: false, wrapCommands: false };
  }
}

export const prefs: Prefs = $state(read());

/** Changes one preference and stores them all. */
export function setPref<K extends keyof Prefs>(key: K, value: Prefs[K]): void {
  prefs[key] = value;
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // Storage refused (private mode, full): the choice lasts until the page reloads.
  }
}
