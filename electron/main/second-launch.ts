/**
 * A second launch of the app on the same data directory ends at once (single-instance lock) and Electron
 * hands its argv to this one as 'second-instance'. That can happen during start-up, before the window exists:
 * the request is kept (the latest wins) and carried out once the host can show the dashboard.
 */
export class SecondLaunches {
  private show: ((route: string | null) => void) | null = null;
  private pending: { route: string | null } | null = null;

  /** A second launch asked for the dashboard, at `route` if given. */
  request(route: string | null): void {
    if (this.show) this.show(route);
    else this.pending = { route };
  }

  /** The host can show the dashboard now: a request kept until now is carried out. */
  ready(show: (route: string | null) => void): void {
    this.show = show;
    const pending = this.pending;
    this.pending = null;
    if (pending) show(pending.route);
  }

  /** Whether a request is waiting (start-up shows the window for it even with --hidden). */
  get waiting(): boolean {
    return this.pending !== null;
  }
}
