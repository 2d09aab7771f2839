// npm start: builds the CLI and daemon bundles, then runs the queue in the foreground (Ctrl-C stops it
// gracefully). The desktop tray app is not wired to the engine yet, so this always runs the headless daemon.
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync('npm', ['run', '--silent', 'build:node'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const cli = fileURLToPath(new URL('../out/cli/queuectl.cjs', import.meta.url));
process.stderr.write(
  'queuectl: running the headless daemon in the foreground (the desktop app is not available yet); ' +
    `in another terminal try: node ${cli} enqueue "echo hello"\n`,
);
const child = spawn(process.execPath, [cli, 'worker', 'start', ...process.argv.slice(2)], { stdio: 'inherit' });
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 1));
