/**
 * `enqueue --keep-children`: processes a job leaves running when its shell exits are not killed. Jobs stored
 * before keep none (0).
 */
export const sql = `
ALTER TABLE jobs ADD COLUMN keep_children INTEGER NOT NULL DEFAULT 0 CHECK (keep_children IN (0, 1));
`;
