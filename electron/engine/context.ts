import type { HomePaths } from '../../protocol/node/paths.js';
import type { Settings } from './config/settings.js';
import type { Pool } from './pool.js';
import type { Scheduler } from './scheduler.js';
import type { Store } from './store/index.js';
import type { JobRow } from './store/rows.js';

/** What RPC handlers may use: the engine's parts, and the few actions that span them. */
export interface EngineContext {
  paths: HomePaths;
  store: Store;
  settings: Settings;
  pool: Pool;
  scheduler: Scheduler;
  startedAt: number;
  /** True once a graceful stop began. */
  stopping(): boolean;
  /** Announces a job's new state (events, then a dispatch where it may free or add work). */
  changed(row: JobRow): void;
  /** Begins a graceful stop; resolves when the engine has stopped. */
  stop(options: { timeoutMs?: number }): Promise<void>;
}
