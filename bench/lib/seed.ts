import { generateId } from '../../electron/engine/store/transitions/enqueue.js';
import { openDatabase } from '../../electron/engine/store/open.js';

/**
 * Writes `total` finished jobs straight into a new home's database (95% completed, 4% dead, 1% canceled),
 * as a long-lived installation would have them, before the daemon starts.
 */
export function seedStore(home: string, total: number): void {
  const db = openDatabase(`${home}/queuectl.db`);
  const insert = db.prepare(`
    INSERT INTO jobs (id, command, state, attempts, max_retries, priority, run_at, created_at, updated_at, finished_at, exit_code, last_error)
    VALUES (?, ?, ?, ?, 3, 0, ?, ?, ?, ?, ?, ?)`);
  const base = Date.now() - total * 10;
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const state = i % 100 < 95 ? 'completed' : i % 100 < 99 ? 'dead' : 'canceled';
      const t = base + i * 10;
      insert.run(`${generateId()}${i.toString(36)}`, `make test # ${i}`, state, state === 'dead' ? 4 : 0, t, t, t, t, state === 'dead' ? 1 : 0, state === 'dead' ? 'exited with code 1' : null);
    }
  })();
  db.close();
}
