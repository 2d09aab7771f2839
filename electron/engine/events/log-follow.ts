import { stat } from 'node:fs/promises';
import type { LogEvent } from '../../../protocol/index.js';
import type { LogKeeper } from '../logs/job-logs.js';
import { readLogChunk } from '../logs/read-chunk.js';

/** Most bytes one LogEvent carries. */
export const LOG_EVENT_BYTES = 256 * 1024;
/** Most LogEvents one look at the file sends; a follower far behind catches up over the next polls. */
const CHUNKS_PER_LOOK = 4;

export interface LogFollowOptions {
  id: string;
  path: string;
  /** Where the follower's copy of the log ends. */
  offset: number;
  send(event: LogEvent): void;
  /** True once the job is gone, or terminal with no process of its run left: its log cannot grow any more. */
  finished(): Promise<boolean>;
  /**
   * How far the log is settled while the job is not finished, and news of rewrites (logs/job-logs.ts).
   * Without it the whole file is sent as it is, and a rewrite is only noticed when the file got shorter.
   */
  keeper?: LogKeeper;
  /** Called once, after the last LogEvent (the one with `ended`). */
  onEnded(): void;
  log(message: string): void;
}

/**
 * One client following one job's log: each `look()` sends the bytes written since the last one, in chunks
 * of at most LOG_EVENT_BYTES that never split a UTF-8 character (as text, plus the exact bytes when they are
 * not UTF-8: protocol/log-chunk.ts), and `ended: true` on the last chunk once the job is finished and every
 * byte was sent.
 *
 * Every run of the job appends its own section to the log, so a follower goes on from one run to the next
 * (a retry's header, then its output). While a run is under way, nothing past the keeper's limit (the end of
 * that run's cap) is sent: past it the file grows and is cut back every 250 ms, so those bytes are not the
 * log's. Once the run has ended (its final trim happened) the rest of its section follows: the truncation note.
 *
 * When the log was rewritten (deleted with its job and perhaps made anew by a new job of that id: the
 * keeper says so, at once; or found shorter than what was sent), or when the follower holds more than the
 * limit (possible only after such a rewrite), sending starts again at offset 0; the event's offset says so,
 * and if there is nothing to send yet an empty event at offset 0 does.
 */
export class LogFollow {
  private offset: number;
  private looking = false;
  private lookAgain = false;
  private stopped = false;
  private failed = false;
  /** Rewrites the keeper reported, and how many of them the offset already accounts for. */
  private rewrites = 0;
  private rewritesSeen = 0;
  /** The offset went back to 0 and no event has said so yet. */
  private restartUnsaid = false;
  private readonly unwatch: () => void;

  constructor(private readonly options: LogFollowOptions) {
    this.offset = options.offset;
    this.unwatch = options.keeper?.watch(options.id, () => this.rewrites++) ?? (() => {});
  }

  /** The followed job. */
  get id(): string {
    return this.options.id;
  }

  /** Sends what is new; a look already under way is followed by one more instead of running twice. */
  look(): void {
    if (this.stopped) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = true;
    this.send()
      .catch((err: unknown) => {
        if (!this.failed) this.options.log(`following the log of job ${this.options.id}: ${(err as Error).message}`);
        this.failed = true;
      })
      .finally(() => {
        this.looking = false;
        if (this.lookAgain) {
          this.lookAgain = false;
          this.look();
        }
      });
  }

  /** No more events, whatever is under way. */
  stop(): void {
    this.stopped = true;
    this.unwatch();
  }

  private async send(): Promise<void> {
    // Asked before reading: once the job is finished, every byte its runs wrote is already in the file.
    const finished = await this.options.finished();
    const limit = finished ? Infinity : this.limitNow();
    const rewrites = this.rewrites;
    if (this.rewritesSeen !== rewrites || this.offset > limit) this.restart();
    this.rewritesSeen = rewrites;
    let size = Math.min(await fileSize(this.options.path), limit);
    for (let chunks = 0; !this.stopped; chunks++) {
      // Rewritten while this look read: what it read may be either version; the next look starts afresh.
      if (this.rewrites !== rewrites) {
        this.lookAgain = true;
        return;
      }
      if (size < this.offset) this.restart();
      if (this.offset === size) {
        const event: LogEvent = { type: 'log', id: this.options.id, offset: this.offset, data: '', next_offset: this.offset, ended: finished };
        if (finished) this.end(event);
        else if (this.restartUnsaid) this.emit(event);
        return;
      }
      if (chunks === CHUNKS_PER_LOOK) return;
      const chunk = await readLogChunk(this.options.path, { offset: this.offset, maxBytes: LOG_EVENT_BYTES, growing: !finished, limit });
      size = chunk.size;
      // A run of the job started during the read (it was not running, or was finished, when the limit was
      // taken) and what was read reaches past its cap: not settled; the next look reads under its limit.
      if (chunk.next_offset > this.limitNow()) {
        this.lookAgain = true;
        return;
      }
      if (this.stopped || this.rewrites !== rewrites || chunk.offset !== this.offset) continue;
      if (chunk.next_offset === chunk.offset) {
        if (this.restartUnsaid) this.emit({ type: 'log', id: this.options.id, offset: 0, data: '', next_offset: 0, ended: false });
        return;
      }
      this.offset = chunk.next_offset;
      const { data, data_base64 } = chunk;
      const bytes = data_base64 === undefined ? { data } : { data, data_base64 };
      const event: LogEvent = { type: 'log', id: this.options.id, offset: chunk.offset, ...bytes, next_offset: chunk.next_offset, ended: finished && this.offset === size };
      if (event.ended) return this.end(event);
      this.emit(event);
    }
  }

  /** How far the log is settled now, by the keeper (Infinity without one). */
  private limitNow(): number {
    return this.options.keeper?.limit(this.options.id) ?? Infinity;
  }

  /** The follower's copy is void: send from offset 0 again, saying so. */
  private restart(): void {
    if (this.offset > 0) this.restartUnsaid = true;
    this.offset = 0;
  }

  private emit(event: LogEvent): void {
    if (event.offset === 0) this.restartUnsaid = false;
    this.options.send(event);
  }

  private end(last: LogEvent): void {
    this.stop();
    this.options.send(last);
    this.options.onEnded();
  }
}

/** The log's size; a log not made yet (the job never ran) is empty. */
async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
