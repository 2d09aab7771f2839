import { app, type Session } from 'electron';
import { isAppUrl } from '../app-protocol.js';

/**
 * Electron's security checklist, for everything this app shows: no permission is ever granted (the dashboard
 * needs none), no downloads, no new windows, no navigation away from app://queuectl/, no <webview>.
 */
export function hardenSession(session: Session, log: (message: string) => void): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`refused a permission request (${permission}) from the dashboard`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
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
