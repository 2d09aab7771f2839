import { isAppUrl } from './app-protocol.js';

/**
 * Which web permissions the app grants: exactly one, `clipboard-sanitized-write`, which Chromium asks for on
 * every navigator.clipboard.writeText (the dashboard's "Copy command"), and only to the dashboard window's own
 * top frame on app://queuectl. Everything else, and that permission for anyone else, is refused. The same
 * decision answers Electron's permission request handler and its permission check handler (Chromium checks
 * first and requests when the check says no; both must agree). Pure, so it is tested under Node;
 * glue/security.ts passes Electron's arguments in.
 */

export const CLIPBOARD_WRITE = 'clipboard-sanitized-write';

export interface PermissionAsk {
  permission: string;
  /** The asking webContents is the dashboard window's (compared by identity in glue/security.ts). */
  fromDashboard: boolean;
  /** From Electron's details: the asking frame is the top frame. */
  isMainFrame: boolean;
  /** The asking frame's URL (always given to the request handler; not always to the check handler). */
  requestingUrl?: string;
  /** The check handler's requestingOrigin. */
  requestingOrigin?: string;
  /** Set by Electron for cross-origin subframes only. */
  embeddingOrigin?: string;
}

export function permissionGranted(ask: PermissionAsk): boolean {
  if (ask.permission !== CLIPBOARD_WRITE) return false;
  if (!ask.fromDashboard || ask.isMainFrame !== true) return false;
  if (ask.embeddingOrigin !== undefined && ask.embeddingOrigin !== '') return false;
  const origins = [ask.requestingUrl, ask.requestingOrigin].filter((u): u is string => u !== undefined);
  // Nothing to say where it comes from: refused.
  if (origins.length === 0) return false;
  return origins.every((u) => isAppUrl(u));
}
