import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homePaths } from '../protocol/node/paths.js';
import { startDesktop, startDetached } from './daemon-start.js';
import { DISK_FILES, decideLaunch, probeElectron, probeNativeBuild, type ElectronProbe, type LaunchDecision } from './desktop-launch.js';
import { sandboxForLaunch } from './linux-sandbox.js';
import { note } from './output.js';

/** The headless daemon bundle, next to this CLI's bundle. */
export const daemonEntry = (): string => fileURLToPath(new URL('../node/daemon.js', import.meta.url));
/** The project root (out/cli/ is two levels down): the desktop app, node_modules/electron. */
export const appRoot = (): string => fileURLToPath(new URL('../..', import.meta.url));

/** Desktop app or headless daemon, for `worker start` and autostart: see cli/desktop-launch.ts for the rules. */
export function launchDecision(opts: { headless?: boolean; detach?: boolean }): LaunchDecision {
  const root = appRoot();
  const shortcut = opts.headless || opts.detach;
  const electron: ElectronProbe = shortcut ? { found: false, why: '' } : probeElectron(root, process.env, DISK_FILES);
  return decideLaunch({
    platform: process.platform,
    env: process.env,
    headless: opts.headless === true,
    detach: opts.detach === true,
    // Nothing is probed when the flags already decided.
    electron,
    appBuilt: !shortcut && existsSync(fileURLToPath(new URL('../main/index.js', import.meta.url))),
    native: shortcut ? { ok: false, why: '' } : probeNativeBuild(root, DISK_FILES),
    sandbox: sandboxForLaunch(electron),
  });
}

/**
 * `config set autostart true`: a command that found no daemon starts one, where `worker start` would (the
 * desktop app when it would choose it, else the headless daemon), always in the background, and says so.
 */
export async function startInBackground(home: string): Promise<void> {
  const decision = launchDecision({});
  if (decision.mode === 'desktop') {
    const started = await startDesktop(home, decision.electron, [appRoot()]);
    if (started.ok) {
      note(`queuectl: no daemon was running; started the desktop app (pid ${started.pid}; config autostart is on)`);
      return;
    }
    note(started.note);
  }
  const pid = await startDetached(home, process.execPath, [daemonEntry()], process.env, 'the daemon', 15_000);
  note(`queuectl: no daemon was running; started one in the background (pid ${pid}; config autostart is on); its log: ${homePaths(home).daemonLog}`);
}
