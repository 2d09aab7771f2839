import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/** The test server's script (scripts/pg-test-server.sh): starts once per directory, stops and deletes it. */
export const PG_SERVER_SCRIPT = resolve('scripts/pg-test-server.sh');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where tests/helpers/postgres.ts starts the run's private server when TEST_PG_URL is unset; '' when it is set. */
    pgServerDir: string;
  }
}

/**
 * vitest globalSetup: picks the directory of this run's private PostgreSQL server, but starts nothing (a run
 * without PostgreSQL tests must not pay ~2 s for initdb): the first test file that needs it starts it there
 * (the script lets one starter through), and the teardown stops it if one was started.
 */
export default function setup(project: TestProject): () => void {
  if (process.env.TEST_PG_URL) {
    project.provide('pgServerDir', '');
    return () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'queuectl-pg-'));
  project.provide('pgServerDir', dir);
  return () => {
    if (existsSync(join(dir, 'data'))) spawnSync(PG_SERVER_SCRIPT, ['stop', dir], { stdio: 'inherit' });
    else rmSync(dir, { recursive: true, force: true });
  };
}
