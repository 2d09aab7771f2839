import { fileURLToPath } from 'node:url';
import { resolveHome } from '../protocol/node/paths.js';
import { AlreadyRunningError, startEngine } from './engine/index.js';
import { forkWorkers } from './daemon/fork-worker.js';

/**
 * The headless host: the engine with child_process workers and no UI, for servers, SSH sessions, CI and
 * tests. Started by `queuectl worker start`; stops gracefully on SIGTERM/SIGINT/SIGHUP; a second signal
 * kills running jobs at once and requeues them.
 * Usage: node daemon.js [--count N]
 */
async function main(): Promise<number> {
  process.umask(0o077);
  const args = process.argv.slice(2);
  let workers: number | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--count' && /^\d+$/.test(args[i + 1] ?? '') && Number(args[i + 1]) >= 1) workers = Number(args[++i]);
    else {
      process.stderr.write(`queuectl daemon: unknown argument ${args[i]}\n`);
      return 2;
    }
  }
  const home = resolveHome();
  const workerEntry = fileURLToPath(new URL('./worker.js', import.meta.url));
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  let engine;
  try {
    engine = await startEngine({ home, workers, rendererDir, spawnWorker: forkWorkers(workerEntry) });
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      process.stderr.write(`queuectl: ${err.message}; stop it with: queuectl worker stop\n`);
      return 1;
    }
    process.stderr.write(`queuectl: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    process.stderr.write(`queuectl: ${signal}: ${signals === 1 ? 'stopping gracefully (send again to kill and requeue running jobs)' : 'killing and requeuing running jobs'}\n`);
    void engine.stop(signals === 1 ? {} : { timeoutMs: 0 });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  await engine.stopped;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`queuectl daemon: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
