import { join } from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { trayClickOpensDashboard, trayIconFile } from '../platform.js';
import { trayIcon, trayMenu, trayTooltip, type MenuSpec, type TrayAction, type TrayIcon, type TrayState } from '../tray-model.js';

/**
 * The tray icon: renders a TrayState (tray-model.ts) into Electron's Tray. The whole menu is built and set
 * again when it changed, because Linux's StatusNotifierItem keeps showing the menu it was given, not the
 * changes made to its items afterwards; tray-controller.ts calls render() at most about once a second.
 */
export class TrayView {
  private readonly icons = new Map<TrayIcon, NativeImage>();
  private shownIcon: TrayIcon | null = null;
  private lastMenuJson = '';

  private constructor(
    private readonly tray: Tray,
    private readonly resourcesDir: string,
    private readonly onAction: (action: TrayAction) => void,
  ) {}

  /** The tray, or null when this desktop cannot show one (then closing the window quits the app). */
  static create(resourcesDir: string, onAction: (action: TrayAction) => void, log: (message: string) => void): TrayView | null {
    try {
      const tray = new Tray(loadIcon(resourcesDir, 'idle'));
      const view = new TrayView(tray, resourcesDir, onAction);
      // Windows and Linux: a click opens the dashboard, the menu is on the right button. macOS opens the menu
      // on a click (and emits 'click' as well): nothing more there.
      if (trayClickOpensDashboard(process.platform)) tray.on('click', () => onAction({ type: 'open', route: null }));
      return view;
    } catch (err) {
      log(`no tray icon on this desktop (${err instanceof Error ? err.message : String(err)}); closing the window will quit`);
      return null;
    }
  }

  render(state: TrayState): void {
    if (this.tray.isDestroyed()) return;
    const icon = trayIcon(state);
    if (icon !== this.shownIcon) {
      this.tray.setImage(this.image(icon));
      this.shownIcon = icon;
    }
    const tooltip = trayTooltip(state);
    this.tray.setToolTip(`queuectl: ${tooltip}`);
    const menu = trayMenu(state);
    const json = JSON.stringify(menu);
    if (json === this.lastMenuJson) return;
    this.lastMenuJson = json;
    this.tray.setContextMenu(Menu.buildFromTemplate(menu.map((spec) => this.toItem(spec))));
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }

  private image(icon: TrayIcon): NativeImage {
    let image = this.icons.get(icon);
    if (!image) {
      image = loadIcon(this.resourcesDir, icon);
      this.icons.set(icon, image);
    }
    return image;
  }

  private toItem(spec: MenuSpec): MenuItemConstructorOptions {
    switch (spec.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'item':
        return { label: spec.label, enabled: spec.enabled, click: spec.action ? this.click(spec.action) : undefined };
      case 'checkbox':
        return { type: 'checkbox', label: spec.label, checked: spec.checked, enabled: spec.enabled, click: this.click(spec.action) };
      case 'radio':
        return { type: 'radio', label: spec.label, checked: spec.checked, enabled: spec.enabled, click: this.click(spec.action) };
      case 'submenu':
        return { label: spec.label, enabled: spec.enabled, submenu: spec.items.map((item) => this.toItem(item)) };
      default: {
        const never: never = spec;
        throw new Error(`unknown menu item ${JSON.stringify(never)}`);
      }
    }
  }

  private click(action: TrayAction): () => void {
    return () => this.onAction(action);
  }
}

function loadIcon(resourcesDir: string, icon: TrayIcon): NativeImage {
  return nativeImage.createFromPath(join(resourcesDir, trayIconFile(process.platform, icon)));
}
