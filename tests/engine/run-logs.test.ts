import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastLineOf, readLastLine } from '../../electron/engine/logs/last-line.js';
import { headerLength, runHeader, truncationNote } from '../../electron/engine/logs/notes.js';
import { nextRunStart, runSection } from '../../electron/engine/logs/run-sections.js';
import { CappedLog } from '../../electron/engine/worker/log-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-runlogs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runSection: where a run\'s output lies in its job\'s log', () => {
  it('from its start to the next run\'s; the latest to the end of the log', () => {
    const runs = [
      { number: 1, log_start: 0 },
      { number: 2, log_start: 120 },
      { number: 3, log_start: 300 },
    ];
    expect(runSection(runs, 1)).toEqual({ start: 0, end: 120 });
    expect(runSection(runs, 2)).toEqual({ start: 120, end: 300 });
    expect(runSection(runs, 3)).toEqual({ start: 300, end: Infinity });
    expect(runSection(runs, 4)).toBeNull();
    expect(runSection([], 1)).toBeNull();
  });

  it('runs logged before per-run sections (no log_start) share one section, up to the first run that has one', () => {
    const runs = [
      { number: 1, log_start: null },
      { number: 2, log_start: null },
      { number: 3, log_start: 500 },
    ];
    expect(runSection(runs, 1)).toEqual({ start: 0, end: 500 });
    expect(runSection(runs, 2)).toEqual({ start: 0, end: 500 });
    expect(runSection(runs, 3)).toEqual({ start: 500, end: Infinity });
    expect(runSection([{ number: 1, log_start: null }], 1)).toEqual({ start: 0, end: Infinity });
  });

  it('a run whose bytes are gone (the log was deleted by hand before the next run) has an empty section', () => {
    const runs = [
      { number: 1, log_start: 0 },
      { number: 2, log_start: 800 },
      { number: 3, log_start: 0 },
    ];
    expect(runSection(runs, 2)).toEqual({ start: 0, end: 0 });
    expect(runSection(runs, 3)).toEqual({ start: 0, end: Infinity });
  });

  it('nextRunStart: the log\'s size; 0 with no log, or with a link planted at its name', () => {
    const log = join(dir, 'a.log');
    expect(nextRunStart(log)).toBe(0);
    writeFileSync(log, 'x'.repeat(77));
    expect(nextRunStart(log)).toBe(77);
    symlinkSync(log, join(dir, 'b.log'));
    expect(nextRunStart(join(dir, 'b.log'))).toBe(0);
  });
});

describe('run headers', () => {
  it('headerLength finds the header a run starts with (after a line break when the log held earlier runs), and only that', () => {
    const header = runHeader(12, Date.UTC(2026, 11, 7), false);
    expect(header).toBe('\n── queuectl: run 12 · 2026-12-07T00:00:00.000Z ──\n');
    expect(runHeader(2, 0, true)).toBe('── queuectl: run 2 · 1970-01-01T00:00:00.000Z ──\n');
    expect(headerLength(Buffer.from(header + 'output\n'))).toBe(Buffer.byteLength(header));
    expect(headerLength(Buffer.from(runHeader(2, 0, true) + 'x'))).toBe(Buffer.byteLength(runHeader(2, 0, true)));
    expect(headerLength(Buffer.from('output\n'))).toBe(0);
    expect(headerLength(Buffer.from('── queuectl: run 2 · cut'))).toBe(0);
  });
});

describe('a run\'s last line (its summary)', () => {
  const last = (text: string | Buffer, cut = false) => lastLineOf(Buffer.from(text), cut);

  it('the last non-empty line, trimmed, without colour codes; a progress line shows its last state', () => {
    expect(last('building\nerror: no rule to make target `test`\n\n  \n')).toBe('error: no rule to make target `test`');
    expect(last('  \x1b[1;31mnpm ERR!\x1b[0m code ELIFECYCLE\r\n')).toBe('npm ERR! code ELIFECYCLE');
    expect(last('10%\r50%\r100% done\r')).toBe('100% done');
    expect(last('no newline at the end')).toBe('no newline at the end');
    expect(last('')).toBeNull();
    expect(last('\n\n')).toBeNull();
  });

  it('skips queuectl\'s own lines: a run header, the truncation note', () => {
    expect(last(`${'a'.repeat(50)}${truncationNote(50, 'log_max_bytes')}`)).toBe('a'.repeat(50));
    expect(last(`${runHeader(3, 0, true)}`)).toBeNull();
  });

  it('is at most 200 characters, cut with an ellipsis; a line the 4 KiB window cut starts with one', () => {
    expect(last('é'.repeat(300))).toBe(`${'é'.repeat(199)}…`);
    expect(last('tail of a long line\n', true)).toBe('…tail of a long line');
    expect(last(Buffer.concat([Buffer.from([0xa9]), Buffer.from('rest of it')]), true)).toBe('…rest of it');
  });

  it('binary output has none', () => {
    expect(last(Buffer.from([0x41, 0xff, 0xfe, 0x0a]))).toBeNull();
    expect(last(Buffer.from('a\0b\n'))).toBeNull();
  });

  it('readLastLine reads the run\'s own section only, from the end of the log', () => {
    const log = join(dir, 'job.log');
    writeFileSync(log, 'run 1 said this\n');
    const start = readFileSync(log).length;
    expect(readLastLine(log, start)).toBeNull(); // run 2 printed nothing yet: run 1's line is not its summary
    appendFileSync(log, runHeader(2, 0, false) + 'x'.repeat(10_000) + '\nthe reason\n');
    expect(readLastLine(log, start)).toBe('the reason');
    expect(readLastLine(join(dir, 'missing.log'), 0)).toBeNull();
  });
});

describe('CappedLog: each run\'s section has its own cap', () => {
  it('cuts a run\'s output at its section\'s start + its cap, leaving the earlier runs\' sections alone', () => {
    const path = join(dir, 'job.log');
    const run1 = 'a'.repeat(100) + truncationNote(100, 'log_max_bytes');
    writeFileSync(path, run1);
    const log = new CappedLog(path, 50, 'log_max_bytes', run1.length);
    appendFileSync(path, 'b'.repeat(500));
    log.enforceCap();
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(run1 + 'b'.repeat(50) + truncationNote(50, 'log_max_bytes'));
  });

  it('piped output (--keep-children) is capped as written, per section', () => {
    const path = join(dir, 'kept.log');
    writeFileSync(path, 'earlier run\n');
    const log = new CappedLog(path, 10, 'log_max_bytes', 12);
    log.write(Buffer.from('0123456789abcdef'));
    log.write(Buffer.from('more'));
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('earlier run\n0123456789' + truncationNote(10, 'log_max_bytes'));
  });
});
