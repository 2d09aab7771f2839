import { sql as m0001 } from './0001_initial.js';
import { sql as m0002 } from './0002_state_counts.js';
import { sql as m0003 } from './0003_pgid_identity.js';
import { sql as m0004 } from './0004_dashboard_indexes.js';
import { sql as m0005 } from './0005_queues.js';
import { sql as m0006 } from './0006_finished_index.js';
import { sql as m0007 } from './0007_scheduling.js';
import { sql as m0008 } from './0008_job_environment.js';
import { sql as m0009 } from './0009_job_notify.js';
import { sql as m0010 } from './0010_keep_children.js';
import { sql as m0011 } from './0011_run_logs.js';
import { sql as m0012 } from './0012_run_marker.js';
import { sql as m0013 } from './0013_run_minutes.js';
import { sql as m0014 } from './0014_schedule_controls.js';

/**
 * Numbered, append-only: migration n brings the schema from user_version n-1 to n.
 * Never edit one that has shipped; add the next number instead.
 */
export const MIGRATIONS: readonly string[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014];
