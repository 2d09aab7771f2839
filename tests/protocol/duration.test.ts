import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../protocol/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30 * S],
    ['10m', 10 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['0s', 0],
  ])('parses the single unit %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('adds up compound durations', () => {
    expect(parseDuration('1h30m')).toBe(H + 30 * M);
    expect(parseDuration('1d2h3m4s5ms')).toBe(D + 2 * H + 3 * M + 4 * S + 5);
    expect(parseDuration('2m30s')).toBe(150 * S);
  });

  it('tells "ms" from "m" followed by "s" and from "m" followed by a number', () => {
    expect(parseDuration('1ms')).toBe(1);
    expect(parseDuration('1m5s')).toBe(M + 5 * S);
    expect(parseDuration('1m500ms')).toBe(M + 500);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration('5')).toBe(5 * S);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90')).toBe(90 * S);
    expect(parseDuration('1.5')).toBe(1500);
  });

  it('accepts decimal amounts with a unit and rounds to whole milliseconds', () => {
    expect(parseDuration('1.5h')).toBe(1.5 * H);
    expect(parseDuration('0.5s')).toBe(500);
    expect(parseDuration('1.5ms')).toBe(2);
    expect(parseDuration('0.0004s')).toBe(0);
  });

  it('ignores whitespace around the whole value', () => {
    expect(parseDuration('  10m ')).toBe(10 * M);
    expect(parseDuration('\t30\n')).toBe(30 * S);
  });

  it.each([
    ['-5m'],
    ['-5'],
    ['10x'],
    ['10mx'],
    [''],
    ['   '],
    ['m'],
    ['ms'],
    ['1h 30m'],
    ['1h30'],
    ['h1'],
    ['10 m'],
    ['10M'],
    ['1H'],
    ['.5s'],
    ['5.s'],
    ['1e3'],
    ['1e3s'],
    ['+5s'],
    ['1w'],
    ['1y'],
    ['5s,'],
    ['abc'],
    ['Infinity'],
    ['NaN'],
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('gives the same answer when called repeatedly (no state leaks between calls)', () => {
    expect(parseDuration('1h30m')).toBe(H + 30 * M);
    expect(parseDuration('10x')).toBeNull();
    expect(parseDuration('1h30m')).toBe(H + 30 * M);
    expect(parseDuration('2s')).toBe(2 * S);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999, '999ms'],
    [12.4, '12ms'],
    [1000, '1.00s'],
    [1234, '1.23s'],
    [12_345, '12.3s'],
    [59_000, '59.0s'],
    [60_000, '1m 00s'],
    [4 * M + 5 * S, '4m 05s'],
    [59 * M + 59 * S, '59m 59s'],
    [H, '1h 00m'],
    [2 * H + 10 * M, '2h 10m'],
    [23 * H + 59 * M + 59 * S, '23h 59m'],
    [D, '1d 0h'],
    [3 * D + 4 * H, '3d 4h'],
    [40 * D + 23 * H + 59 * M, '40d 23h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration for whole minutes and hours', () => {
    expect(formatDuration(parseDuration('1h30m')!)).toBe('1h 30m');
    expect(formatDuration(parseDuration('4m5s')!)).toBe('4m 05s');
    expect(formatDuration(parseDuration('500ms')!)).toBe('500ms');
  });
});
