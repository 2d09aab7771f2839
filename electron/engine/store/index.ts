import type Database from 'better-sqlite3';
import { prepareList } from './list-query.js';
import { prepareQueries } from './queries.js';
import { prepareQueueQueries } from './queue-queries.js';
import { prepareRunMinutes } from './run-minutes.js';
import { prepareScheduleQueries } from './schedule-queries.js';
import { prepareStats } from './stats-queries.js';
import { prepareCancel } from './transitions/cancel.js';
import { prepareClaim } from './transitions/claim.js';
import { prepareClean } from './transitions/clean.js';
import { prepareDependencies } from './transitions/dependencies.js';
import { prepareEnqueue } from './transitions/enqueue.js';
import { prepareFinish } from './transitions/finish.js';
import { preparePause } from './transitions/pause.js';
import { preparePurgeDead } from './transitions/purge-dead.js';
import { prepareQueuePause } from './transitions/queue-pause.js';
import { prepareRecordPgid } from './transitions/record-pgid.js';
import { prepareRecover } from './transitions/recover.js';
import { prepareRemove } from './transitions/remove.js';
import { prepareRetryDead } from './transitions/retry-dead.js';
import { prepareRetryJob } from './transitions/retry-job.js';
import { prepareRunNow } from './transitions/run-now.js';
import { prepareScheduleControls } from './transitions/schedule-controls.js';
import { prepareSchedules } from './transitions/schedules.js';

/** Every statement the engine runs, prepared once. Each state transition is one guarded transaction. */
export function createStore(db: Database.Database) {
  return {
    db,
    ...prepareEnqueue(db),
    claim: prepareClaim(db),
    finish: prepareFinish(db),
    recover: prepareRecover(db),
    cancel: prepareCancel(db),
    recordPgid: prepareRecordPgid(db),
    ...prepareRetryDead(db),
    retryJob: prepareRetryJob(db),
    runNow: prepareRunNow(db),
    remove: prepareRemove(db),
    purgeDead: preparePurgeDead(db),
    ...prepareClean(db),
    ...preparePause(db),
    ...prepareQueuePause(db),
    ...prepareDependencies(db),
    ...prepareQueries(db),
    ...prepareQueueQueries(db),
    ...prepareSchedules(db),
    ...prepareScheduleControls(db),
    ...prepareScheduleQueries(db),
    ...prepareList(db),
    ...prepareStats(db),
    ...prepareRunMinutes(db),
  };
}

export type Store = ReturnType<typeof createStore>;
