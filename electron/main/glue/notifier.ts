import { Notification } from 'electron';
import { forDisplay, type NotificationSpec } from '../notifications.js';

/**
 * Shows notifications through the OS. Each is kept referenced until it closes: a Notification collected by
 * the garbage collector loses its click handler on some platforms.
 */
export class Notifier {
  private readonly live = new Set<Notification>();

  constructor(
    private readonly icon: string,
    private readonly onClick: (route: string) => void,
  ) {}

  show(spec: NotificationSpec): void {
    if (!Notification.isSupported()) return;
    const { title, body } = forDisplay(spec, process.platform);
    const notification = new Notification({ title, body, icon: this.icon });
    this.live.add(notification);
    const forget = (): void => {
      this.live.delete(notification);
    };
    notification.on('click', () => {
      forget();
      this.onClick(spec.route);
    });
    notification.on('close', forget);
    notification.on('failed', forget);
    notification.show();
  }

  /** A plain notice (no route), e.g. "still running in the tray". */
  notice(title: string, body: string): void {
    if (!Notification.isSupported()) return;
    const shown = forDisplay({ title, body }, process.platform);
    const notification = new Notification({ title: shown.title, body: shown.body, icon: this.icon, silent: true });
    notification.show();
  }

  closeAll(): void {
    for (const notification of this.live) notification.close();
    this.live.clear();
  }
}
