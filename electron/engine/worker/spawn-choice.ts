import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaRunner } from './spawn-execa.js';
import { loadSpawnAddon, posixRunner } from './spawn-posix.js';
import type { RunnerName, ShellRunner } from './spawn-runner.js';

/** The addon's file name in out/native (scripts/build-native.mjs puts it there). */
export const SPAWN_ADDON_FILE = 'queuectl_spawn.node';

/** The runner a worker uses for its jobs, and why, for its one line in the daemon log. */
export interface RunnerChoice {
  runner: ShellRunner;
  why: string;
}

/**
 * Where a worker bundle finds the addon: QUEUECTL_SPAWN_ADDON if set (tests simulate a missing addon with
 * it), else out/native beside the bundle's out/node (`bundleUrl`: the worker entry's import.meta.url).
 */
export function spawnAddonPath(bundleUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.QUEUECTL_SPAWN_ADDON || join(dirname(fileURLToPath(bundleUrl)), '..', 'native', SPAWN_ADDON_FILE);
}

/**
 * posix_spawn through the addon wherever it loads; execa on Windows, where the addon is missing or fails to
 * load, or when QUEUECTL_RUNNER=execa asks for it (tests, bench). QUEUECTL_RUNNER=posix_spawn cannot force
 * an addon that does not load: the worker falls back and says so.
 */
export function chooseRunner(addonPath: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): RunnerChoice {
  const asked = env.QUEUECTL_RUNNER;
  const note = asked && asked !== 'execa' && asked !== 'posix_spawn' ? ` (QUEUECTL_RUNNER=${asked} is neither execa nor posix_spawn: ignored)` : '';
  if (asked === 'execa') return { runner: execaRunner, why: 'QUEUECTL_RUNNER=execa' };
  if (platform === 'win32') return { runner: execaRunner, why: `posix_spawn does not exist on Windows${note}` };
  try {
    return { runner: posixRunner(loadSpawnAddon(addonPath)), why: `native addon ${addonPath}${note}` };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    return { runner: execaRunner, why: `the posix_spawn addon did not load (${reason})${note}` };
  }
}

/** The worker's line in the daemon log. */
export function describeChoice(choice: RunnerChoice): string {
  const name: RunnerName = choice.runner.name;
  return `queuectl: jobs start through ${name}: ${choice.why}`;
}
