// npm run build:native: builds the posix_spawn addon (electron/engine/worker/native) with node-gyp, the one
// npm bundles (on PATH inside npm scripts; headers from npm's nodedir, no download where that is set), and
// puts it at out/native/queuectl_spawn.node, where the worker bundle looks (worker/spawn-choice.ts).
// Skipped on Windows (execa runs the jobs there). A failed build is reported but does not fail the build:
// workers then run jobs through execa and say so in daemon.log; the runner tests fail on Linux without it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'electron', 'engine', 'worker', 'native');
const target = join(root, 'out', 'native', 'queuectl_spawn.node');

if (process.platform === 'win32') {
  console.log('build:native: skipped on Windows (jobs run through execa)');
  process.exit(0);
}

const newest = Math.max(...['spawn.c', 'binding.gyp'].map((f) => statSync(join(source, f)).mtimeMs));
if (existsSync(target) && statSync(target).mtimeMs >= newest) process.exit(0);

const gyp = process.env.npm_config_node_gyp ? [process.execPath, process.env.npm_config_node_gyp] : ['node-gyp'];
const built = spawnSync(gyp[0], [...gyp.slice(1), 'rebuild', '--loglevel=warn', `--directory=${source}`], { stdio: 'inherit' });
if (built.status !== 0) {
  console.warn(`build:native: the posix_spawn addon did not build (${built.error?.message ?? `node-gyp exited ${built.status}`}); workers will run jobs through execa`);
  process.exit(0);
}
mkdirSync(dirname(target), { recursive: true });
// A running worker has the old file mapped: a new file renamed over it, never rewritten in place.
const fresh = `${target}.${process.pid}`;
copyFileSync(join(source, 'build', 'Release', 'queuectl_spawn.node'), fresh);
renameSync(fresh, target);
console.log(`build:native: ${target}`);
