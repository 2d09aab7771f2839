import { stat } from 'node:fs/promises';
import type { LogEvent } from '../../../protocol/index.js';
import { readLogChunk } from '../logs/read-chunk.js';

/** Largest `data` of one LogEvent. */
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
  finished(): boolean;
  /** Called once, after the last LogEvent (the one with `ended`). */
  onEnded(): void;
  log(message: string): void;
}

/**
 * One client following one job's log: each `look()` sends the bytes written since the last one, in chunks
 * of at most LOG_EVENT_BYTES that never split a UTF-8 character, and `ended: true` on the last chunk once
 * the job is finished and every byte was sent. A log shorter than what was sent was rewritten (trimmed to
 * log_max_bytes, or removed and made anew), so sending restarts at offset 0; the event's offset says so.
 */
export class LogFollow {
  private offset: number;
  private looking = false;
  private lookAgain = false;
  private stopped = false;
  private failed = false;

  constructor(private readonly options: LogFollowOptions) {
    this.offset = options.offset;
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
  }

  private async send(): Promise<void> {
    // Asked before reading: once the job is finished, every byte its runs wrote is already in the file.
    const finished = this.options.finished();
    let size = await fileSize(this.options.path);
    for (let chunks = 0; !this.stopped; chunks++) {
      if (size < this.offset) this.offset = 0;
      if (this.offset === size) {
        if (finished) this.end({ type: 'log', id: this.options.id, offset: this.offset, data: '', next_offset: this.offset, ended: true });
        return;
      }
      if (chunks === CHUNKS_PER_LOOK) return;
      const chunk = await readLogChunk(this.options.path, { offset: this.offset, maxBytes: LOG_EVENT_BYTES, growing: !finished });
      size = chunk.size;
      if (this.stopped || chunk.offset !== this.offset) continue;
      if (chunk.next_offset === chunk.offset) return;
      this.offset = chunk.next_offset;
      const event: LogEvent = { type: 'log', id: this.options.id, offset: chunk.offset, data: chunk.data, next_offset: chunk.next_offset, ended: finished && this.offset === size };
      if (event.ended) return this.end(event);
      this.options.send(event);
    }
  }

  private end(last: LogEvent): void {
    this.stopped = true;
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
