import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';

/**
 * The desktop host. For now it opens the dashboard shell; the tray, the engine in the main process,
 * utility-process workers and notifications arrive with the desktop-app issue (see docs/architecture.md).
 */
function createWindow(): void {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    title: 'queuectl',
    webPreferences: { preload: join(import.meta.dirname, '../preload/index.cjs'), sandbox: true, contextIsolation: true },
  });
  void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
}

if (!app.requestSingleInstanceLock()) app.quit();
else void app.whenReady().then(createWindow);
app.on('window-all-closed', () => app.quit());
