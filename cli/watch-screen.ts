/**
 * A full-screen view that redraws in place: the terminal's alternate screen (what `top` and `less` use; the
 * shell's screen comes back untouched on exit), cursor hidden while drawing, each frame written from the
 * top-left corner with every line cleared to its end, then everything below cleared. `leave()` shows the
 * cursor and returns to the normal screen; it also runs on process exit, so no path leaves the terminal in
 * the alternate screen with the cursor hidden.
 */

const ESC = '\x1b[';
export const ENTER_ALT = `${ESC}?1049h`;
export const LEAVE_ALT = `${ESC}?1049l`;
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;
const HOME = `${ESC}H`;
const CLEAR_EOL = `${ESC}K`;
const CLEAR_BELOW = `${ESC}J`;

/** Fewest milliseconds between two frames: at most 5 redraws a second. */
export const MIN_FRAME_MS = 200;

export class Screen {
  private active = false;
  private lastFrame = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onExit = (): void => this.leave();

  constructor(
    private readonly out: NodeJS.WriteStream,
    /** Draws the current state; called at most every MIN_FRAME_MS. */
    private readonly frame: () => string[],
  ) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.out.write(ENTER_ALT + HIDE_CURSOR + HOME + `${ESC}2J`);
    process.on('exit', this.onExit);
    this.out.on('resize', this.onResize);
  }

  /** Asks for a redraw: now if the last frame is old enough, else once the interval has passed (changes in between are coalesced). */
  schedule(): void {
    if (!this.active || this.timer) return;
    const wait = Math.max(0, this.lastFrame + MIN_FRAME_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, wait);
  }

  /** Draws at once (the first frame). */
  draw(): void {
    if (!this.active) return;
    this.lastFrame = Date.now();
    const lines = this.frame();
    this.out.write(HOME + lines.map((l) => l + CLEAR_EOL).join('\r\n') + CLEAR_EOL + CLEAR_BELOW);
  }

  /** Back to the normal screen with the cursor shown; safe to call more than once. */
  leave(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.active) return;
    this.active = false;
    this.out.off('resize', this.onResize);
    process.off('exit', this.onExit);
    // Written synchronously where possible (the process may be about to exit).
    try {
      this.out.write(SHOW_CURSOR + LEAVE_ALT);
    } catch {
      /* the terminal is gone */
    }
  }

  private readonly onResize = (): void => this.schedule();
}
