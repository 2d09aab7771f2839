import { app, type Session, type WebContents } from 'electron';
import { isAppUrl } from '../app-protocol.js';
import { permissionGranted } from '../permissions.js';

/**
 * Electron's security checklist, for everything this app shows: no permission is granted except the clipboard
 * write the dashboard's "Copy" buttons need, to the dashboard's own top frame only (permissions.ts); no
 * downloads, no new windows, no navigation away from app://queuectl/, no <webview>.
 * `dashboard` returns the dashboard window's webContents (null while there is none).
 */
export function hardenSession(session: Session, dashboard: () => WebContents | null, log: (message: string) => void): void {
  const isDashboard = (contents: WebContents | null): boolean => contents !== null && contents === dashboard();
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const granted = permissionGranted({
      permission,
      fromDashboard: isDashboard(contents),
      isMainFrame: details.isMainFrame,
      requestingUrl: details.requestingUrl,
    });
    if (!granted) log(`refused a permission request (${permission}) from ${origin(details.requestingUrl)}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((contents, permission, requestingOrigin, details) =>
    permissionGranted({
      permission,
      fromDashboard: isDashboard(contents),
      isMainFrame: details.isMainFrame,
      requestingUrl: details.requestingUrl,
      requestingOrigin,
      embeddingOrigin: details.embeddingOrigin,
    }),
  );
  session.on('will-download', (event) => event.preventDefault());
}

/** Applies to every webContents the app ever creates, the dashboard's included. */
export function hardenAllContents(log: (message: string) => void): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      log(`refused to open a window for ${url.slice(0, 200)}`);
      return { action: 'deny' };
    });
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame || !isAppUrl(event.url)) {
        log(`refused navigation to ${event.url.slice(0, 200)}`);
        event.preventDefault();
      }
    });
    contents.on('will-redirect', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function origin(url: string | undefined): string {
  if (!url) return 'an unknown page';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`.slice(0, 100);
  } catch {
    return 'an unparsable URL';
  }
}
