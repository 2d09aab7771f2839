/** Why a request was refused; each kind is logged at most once per REFUSAL_LOG_INTERVAL_MS. */
export type RefusalKind =
  | 'host'
  | 'prefix'
  | 'token'
  | 'cookie'
  | 'origin'
  | 'fetch-site'
  | 'content-type'
  | 'too-large'
  | 'path'
  | 'method'
  | 'stream-cap'
  | 'slow-reader'
  | 'connection-cap';

export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Logs refused requests without letting a client flood the daemon's log: the first refusal of a kind is
 * logged, later ones of that kind within a minute only counted, and the count is reported with the next
 * refusal of that kind that gets logged.
 */
export class RefusalLog {
  private readonly lastLogged = new Map<RefusalKind, number>();
  private readonly suppressed = new Map<RefusalKind, number>();

  constructor(
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one refusal; `detail` must never contain the token. */
  refused(kind: RefusalKind, detail: string): void {
    const at = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && at - last < REFUSAL_LOG_INTERVAL_MS) {
      this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
      return;
    }
    const skipped = this.suppressed.get(kind) ?? 0;
    this.suppressed.delete(kind);
    this.lastLogged.set(kind, at);
    this.log(`dashboard: refused a request (${kind}): ${detail}${skipped ? ` (${skipped} more of this kind not logged)` : ''}`);
  }
}
