/**
 * How a piece of a job's log travels, in a `logs` result and in a LogEvent (protocol/events.ts).
 *
 * A log is bytes, written by the job as it pleases: UTF-8 text, Latin-1, or binary. `data` is those bytes
 * decoded as UTF-8, for display (a chunk never ends inside a UTF-8 character while more bytes follow). When
 * the bytes are not valid UTF-8, each bad sequence reads as U+FFFD in `data`, and `data_base64` carries the
 * exact bytes as well. A client that wants the log as written (the CLI) uses `data_base64` when it is there
 * and `data` otherwise; a display (the dashboard) uses `data`. Clients that know nothing of `data_base64`
 * keep working: it is an added field, and text logs never have it.
 */
export interface LogBytes {
  /** The chunk's bytes as UTF-8 text (U+FFFD where they are not UTF-8). */
  data: string;
  /** The chunk's exact bytes, base64; present only when they are not valid UTF-8. */
  data_base64?: string;
}
