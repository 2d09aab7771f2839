import { readFileSync } from 'node:fs';

let bootId: string | null | undefined;

/**
 * Names one process for all time on Linux: the boot id plus the process's start time (clock ticks since
 * boot). A pid alone is reused; this pair is not. Null where /proc is not there (then orphans are left to
 * the worker, which kills its job when the engine goes away).
 */
export function processIdentity(pid: number): string | null {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${bootId}:${fields[19]}`;
  } catch {
    bootId = bootId ?? null;
    return null;
  }
}
