/**
 * The desktop host's log: one timestamped line per message on stderr, which is daemon.log when the CLI
 * started the app (cli/desktop-launch.ts), the terminal otherwise.
 */
export function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

/** An error for the log: its stack where there is one. */
export function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
