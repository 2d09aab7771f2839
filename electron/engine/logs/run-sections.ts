import { lstatSync } from 'node:fs';

/** What a section's bounds are computed from: an attempt's number and where its output began in the log. */
export interface RunStart {
  number: number;
  /** Byte offset of the run's section in the job's log; null for runs logged before migration 0011. */
  log_start: number | null;
}

/** Bytes [start, end) of the job's log; `end` is Infinity for the latest run (the log's end, still growing if it runs). */
export interface Section {
  start: number;
  end: number;
}

/**
 * Where run `number`'s section of the log lies: from its `log_start` up to the next run's. A run without
 * one (logged before runs were kept apart) shares the section of the latest earlier run that has one, or
 * starts at 0: old jobs read as one section. A later run that starts before this one (the log was deleted
 * by hand between them) leaves this run's section empty: its bytes are gone. Null when there is no such run.
 */
export function runSection(runs: readonly RunStart[], number: number): Section | null {
  const at = runs.findIndex((run) => run.number === number);
  if (at < 0) return null;
  let start = 0;
  for (let i = at; i >= 0; i--) {
    const known = runs[i]!.log_start;
    if (known !== null) {
      start = known;
      break;
    }
  }
  const next = runs.slice(at + 1).find((run) => run.log_start !== null);
  if (next === undefined) return { start, end: Infinity };
  const end = next.log_start!;
  return end < start ? { start: end, end } : { start, end };
}

/**
 * Where a run claimed now will start writing the job's log: its size (0 when there is none yet, or when
 * something other than a plain file is at its name, which JobLogs.prepareRun replaces with an empty one).
 * A job is claimed again only once its previous run has ended and that run's processes are gone (a
 * canceled run still dying keeps the job canceled, and job.retry refuses it), so nothing else appends
 * before the new run does.
 */
export function nextRunStart(path: string): number {
  try {
    // One lstat per claim (5–8 µs here); a first run, whose log does not exist yet, throws nothing.
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isFile() ? stat.size : 0;
  } catch {
    return 0;
  }
}
