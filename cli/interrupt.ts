/**
 * Ctrl-C (and SIGTERM) while a command waits: `cleanup` (clear a progress line, close the connection), then
 * exit 130 (SIGINT) or 143 (SIGTERM) as a shell reports it. Returns a function that removes the handlers.
 */
export function onInterrupt(cleanup: () => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    try {
      cleanup();
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
