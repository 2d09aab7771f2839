import { readFileSync } from 'node:fs';
import { startTicks } from './proc-scan.js';

let bootId: string | null | undefined;

/**
 * Names one process for all time on Linux: the boot id plus the process's start time (clock ticks since
 * boot). A pid alone is reused; this pair is not. Null where /proc is not there (then orphans are left to
 * the worker, which kills its job when the engine goes away).
 */
export function processIdentity(pid: number): string | null {
  return identityFromStart(startTicks(pid));
}

/** The identity of a process whose start time was read already (`startTicks`), or null. */
export function identityFromStart(ticks: number | null): string | null {
  if (ticks === null) return null;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootId = null;
  }
  return bootId === null ? null : `${bootId}:${ticks}`;
}
