import { BrowserWindow, screen, type WebContents } from 'electron';
import { appUrl } from '../app-protocol.js';
import { DEFAULT_WINDOW, restoreBounds, type Bounds } from '../preferences.js';
import { RendererCrashes } from '../renderer-crashes.js';

export interface DashboardWindowOptions {
  preload: string;
  icon: string;
  /** Saved bounds (preferences), and where to save new ones. */
  bounds(): Bounds | null;
  saveBounds(bounds: Bounds): void;
  /**
   * Asked when the user closes the window: 'hide' keeps the app in the tray, 'quit' starts quitting (the
   * window stays until the engine has stopped), 'close' lets it close (the app is quitting already).
   */
  onCloseRequest(): 'hide' | 'quit' | 'close';
  /** The user is looking at the dashboard (shown or focused). */
  onSeen(): void;
  /** The window was shown, or hidden or closed (macOS: the Dock icon follows it). */
  onVisibilityChange?(visible: boolean): void;
  onContentsCreated(contents: WebContents): void;
  /**
   * Windows only: the OS is ending the session (shutdown, restart, log-off), from the window's 'session-end'.
   * Emitted only while this window exists (shown or hidden to the tray); there is no app-level event for it.
   */
  onSessionEnd(reasons: string[]): void;
  log(message: string): void;
}

/**
 * The one dashboard window, created on first use and again after it was destroyed. Its renderer runs
 * sandboxed with context isolation and no Node integration; it loads app://queuectl/ only (app-scheme.ts)
 * and talks to main through the preload's two functions.
 */
export class DashboardWindow {
  private window: BrowserWindow | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly crashes = new RendererCrashes();
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  /** The renderer went away too often and was left gone: the next show() reloads it. */
  private gaveUp = false;

  constructor(private readonly options: DashboardWindowOptions) {}

  /** The webContents IPC may come from, or null while there is no window. */
  get contents(): WebContents | null {
    return this.window && !this.window.isDestroyed() ? this.window.webContents : null;
  }

  get browserWindow(): BrowserWindow | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  isVisible(): boolean {
    return this.browserWindow?.isVisible() ?? false;
  }

  isFocused(): boolean {
    return this.browserWindow?.isFocused() ?? false;
  }

  /** Shows and focuses the window, at `route` if given (a hash route such as #/jobs/abc). */
  show(route: string | null): void {
    const existing = this.browserWindow;
    if (existing) {
      if (this.gaveUp) {
        // The user asks for the dashboard again: give its renderer a fresh start.
        this.gaveUp = false;
        this.crashes.reset();
        void existing.webContents.loadURL(appUrl(route));
      } else if (route) void existing.webContents.loadURL(appUrl(route));
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = this.create();
    void window.loadURL(appUrl(route));
    window.once('ready-to-show', () => {
      window.show();
      window.focus();
    });
  }

  /** Closes the window for good (quitting). */
  destroy(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    this.browserWindow?.destroy();
    this.window = null;
  }

  private create(): BrowserWindow {
    const saved = restoreBounds(this.options.bounds(), screen.getAllDisplays().map((d) => d.workArea));
    const window = new BrowserWindow({
      ...(saved ?? { width: DEFAULT_WINDOW.width, height: DEFAULT_WINDOW.height }),
      minWidth: DEFAULT_WINDOW.minWidth,
      minHeight: DEFAULT_WINDOW.minHeight,
      show: false,
      title: 'queuectl',
      icon: this.options.icon,
      autoHideMenuBar: true,
      webPreferences: {
        preload: this.options.preload,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    });
    this.window = window;
    this.options.onContentsCreated(window.webContents);
    window.on('close', (event) => {
      this.saveNow();
      const decision = this.options.onCloseRequest();
      if (decision === 'close') return;
      event.preventDefault();
      if (decision === 'hide') window.hide();
    });
    window.on('closed', () => {
      if (this.window !== window) return;
      this.window = null;
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = null;
      this.gaveUp = false;
      this.crashes.reset();
      this.options.onVisibilityChange?.(false);
    });
    window.on('show', () => {
      this.options.onSeen();
      this.options.onVisibilityChange?.(true);
    });
    window.on('hide', () => this.options.onVisibilityChange?.(false));
    window.on('focus', () => this.options.onSeen());
    window.on('resize', () => this.saveSoon());
    window.on('move', () => this.saveSoon());
    window.webContents.on('render-process-gone', (_event, details) => {
      if (window.isDestroyed() || this.window !== window) return;
      const decision = this.crashes.crashed(Date.now(), details.reason);
      if (!decision.reload) {
        this.gaveUp = true;
        this.options.log(decision.reason);
        return;
      }
      this.options.log(`dashboard renderer gone (${details.reason}); reloading in ${decision.delayMs} ms`);
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = null;
        if (!window.isDestroyed()) void window.webContents.reload();
      }, decision.delayMs);
    });
    // Windows: before-quit is not emitted for a shutdown or log-off, and powerMonitor's 'shutdown' is
    // Linux/macOS only; a top-level window gets WM_ENDSESSION, which Electron reports here.
    window.on('session-end', (event) => this.options.onSessionEnd(event.reasons));
    return window;
  }

  private saveSoon(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), 500);
  }

  private saveNow(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const window = this.browserWindow;
    if (!window || window.isMinimized() || window.isFullScreen()) return;
    this.options.saveBounds(window.getNormalBounds());
  }
}
