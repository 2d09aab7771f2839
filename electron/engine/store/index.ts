import type Database from 'better-sqlite3';
import { prepareQueries } from './queries.js';
import { prepareCancel } from './transitions/cancel.js';
import { prepareClaim } from './transitions/claim.js';
import { prepareEnqueue } from './transitions/enqueue.js';
import { prepareFinish } from './transitions/finish.js';
import { prepareRecordPgid } from './transitions/record-pgid.js';
import { prepareRecover } from './transitions/recover.js';
import { prepareRetryDead } from './transitions/retry-dead.js';

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
    ...prepareQueries(db),
  };
}

export type Store = ReturnType<typeof createStore>;
