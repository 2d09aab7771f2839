import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Whether Electron's Chromium can sandbox itself on this Linux machine, decided before launching it: where it
 * cannot, Electron dies at start with "The SUID sandbox helper binary was found, but is not configured
 * correctly … make sure that …/chrome-sandbox is owned by root and has mode 4755" (a FATAL and SIGTRAP), and
 * `worker start` would only learn that the app exited.
 *
 * Chromium's renderer sandbox needs either unprivileged user namespaces (the namespace sandbox) or the setuid
 * helper `chrome-sandbox` next to the binary, owned by root with the setuid bit. npm installs Electron as the
 * user, so the helper is never set up, and user namespaces are what decides:
 * - Ubuntu 23.10+ (24.04 LTS and later): AppArmor restricts unprivileged user namespaces to programs with a
 *   profile that allows them (`kernel.apparmor_restrict_unprivileged_userns = 1`); node_modules' Electron has none;
 * - Debian before 11 and some hardened kernels: `kernel.unprivileged_userns_clone = 0`;
 * - `user.max_user_namespaces = 0` anywhere.
 * Where they are restricted and the helper is not set up, the fix is one command (printed with the real
 * path); `--no-sandbox` is never applied silently. Running as root Chromium refuses to start at all.
 */
export interface SandboxFacts {
  /** process.getuid(), or null where there is none. */
  uid: number | null;
  /** /proc/sys/kernel/apparmor_restrict_unprivileged_userns, null when absent. */
  apparmorRestrictsUserns: string | null;
  /** /proc/sys/kernel/unprivileged_userns_clone, null when absent (then not restricted this way). */
  unprivilegedUsernsClone: string | null;
  /** /proc/sys/user/max_user_namespaces, null when absent. */
  maxUserNamespaces: string | null;
  /** An AppArmor profile in /etc/apparmor.d names the Electron binary (it may allow `userns`). */
  apparmorProfileNamesBinary: boolean;
  /** chrome-sandbox next to the Electron binary. */
  helperPath: string;
  helper: { uid: number; mode: number } | null;
}

export type SandboxCheck = { ok: true } | { ok: false; why: string };

/** The line that sets the helper up (what Chromium's FATAL asks for). */
export function helperFix(path: string): string {
  return `sudo chown root:root ${path} && sudo chmod 4755 ${path}`;
}

/** Why user namespaces are off for this binary, or null when Chromium can use them. */
export function usernsRestriction(f: Pick<SandboxFacts, 'apparmorRestrictsUserns' | 'unprivilegedUsernsClone' | 'maxUserNamespaces' | 'apparmorProfileNamesBinary'>): string | null {
  if (f.maxUserNamespaces?.trim() === '0') return 'user namespaces are off (user.max_user_namespaces = 0)';
  if (f.unprivilegedUsernsClone?.trim() === '0') return 'unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0)';
  if (f.apparmorRestrictsUserns?.trim() === '1' && !f.apparmorProfileNamesBinary) {
    return 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1, as on Ubuntu 23.10 and later)';
  }
  return null;
}

export function checkSandbox(platform: NodeJS.Platform, f: SandboxFacts): SandboxCheck {
  if (platform !== 'linux') return { ok: true };
  if (f.uid === 0) return { ok: false, why: 'Electron does not run as root with its sandbox on; start the desktop app as your own user' };
  const restricted = usernsRestriction(f);
  if (!restricted) return { ok: true };
  const h = f.helper;
  if (h && h.uid === 0 && (h.mode & 0o4000) !== 0 && (h.mode & 0o111) !== 0) return { ok: true };
  const state = h ? `not set up (owner uid ${h.uid}, mode ${(h.mode & 0o7777).toString(8)})` : 'missing';
  return {
    ok: false,
    why: `${restricted}, so Electron needs its setuid helper chrome-sandbox, which is ${state}; set it up once with: ${helperFix(f.helperPath)}`,
  };
}

/** Reading the machine, injected so tests describe one. */
export interface SandboxProbe {
  read(path: string): string | null;
  stat(path: string): { uid: number; mode: number } | null;
  /** The text of the profiles in /etc/apparmor.d (top level), or [] when unreadable. */
  apparmorProfiles(): string[];
  uid: number | null;
}

export function sandboxFacts(electronBinary: string, probe: SandboxProbe): SandboxFacts {
  const helperPath = join(dirname(electronBinary), 'chrome-sandbox');
  const restrict = probe.read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  return {
    uid: probe.uid,
    apparmorRestrictsUserns: restrict,
    unprivilegedUsernsClone: probe.read('/proc/sys/kernel/unprivileged_userns_clone'),
    maxUserNamespaces: probe.read('/proc/sys/user/max_user_namespaces'),
    // Profiles are read only when the restriction is on (the only case they matter).
    apparmorProfileNamesBinary: restrict?.trim() === '1' && probe.apparmorProfiles().some((text) => text.includes(electronBinary)),
    helperPath,
    helper: probe.stat(helperPath),
  };
}

/** This machine, as SandboxProbe reads it. */
export function systemSandboxProbe(): SandboxProbe {
  const read = (path: string): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  return {
    read,
    stat: (path) => {
      try {
        const s = statSync(path);
        return { uid: s.uid, mode: s.mode };
      } catch {
        return null;
      }
    },
    apparmorProfiles: () => {
      try {
        return readdirSync('/etc/apparmor.d', { withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => read(join('/etc/apparmor.d', e.name)) ?? '');
      } catch {
        return [];
      }
    },
    uid: process.getuid?.() ?? null,
  };
}

/** For `worker start`: whether Chromium can sandbox itself for the Electron found (always ok off Linux). */
export function sandboxForLaunch(electron: { found: true; path: string } | { found: false }, platform: NodeJS.Platform = process.platform): SandboxCheck {
  if (!electron.found || platform !== 'linux') return { ok: true };
  return checkSandbox(platform, sandboxFacts(electron.path, systemSandboxProbe()));
}
