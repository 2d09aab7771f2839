import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../protocol/index.js';

describe('parseIsoTime', () => {
  it('reads a time with Z or an offset as that instant, whatever the policy', () => {
    for (const policy of ['required', 'local-default'] as const) {
      expect(parseIsoTime('2030-06-01T12:00:00Z', policy)).toBe(Date.UTC(2030, 5, 1, 12));
      expect(parseIsoTime('2030-06-01T14:00+02:00', policy)).toBe(Date.UTC(2030, 5, 1, 12));
      expect(parseIsoTime(' 2030-06-01 11:30:00.250-0030 ', policy)).toBe(Date.UTC(2030, 5, 1, 12, 0, 0, 250));
    }
  });

  it('without a zone: local time for a person, refused on the wire', () => {
    expect(parseIsoTime('2030-06-01T14:00', 'local-default')).toBe(new Date(2030, 5, 1, 14, 0).getTime());
    expect(parseIsoTime('2030-06-01', 'local-default')).toBe(new Date(2030, 5, 1).getTime());
    expect(parseIsoTime('2030-06-01T14:00', 'required')).toBeNull();
    expect(parseIsoTime('2030-06-01', 'required')).toBeNull();
    expect(parseIsoTime('2030-06-01Z', 'required')).toBeNull();
  });

  it('refuses out-of-range fields instead of rolling them over', () => {
    for (const bad of ['2030-13-01T00:00Z', '2030-02-30T00:00Z', '2031-02-29', '2030-06-01T24:00Z', '2030-06-01T12:60Z', '2030-06-01T12:00:60Z', '2030-06-01T12:00+24:00', 'tomorrow', '', '2030-6-1']) {
      expect(parseIsoTime(bad, 'local-default'), bad).toBeNull();
    }
    expect(parseIsoTime('2032-02-29', 'local-default')).not.toBeNull();
    expect(parseIsoTime('2100-02-29T00:00Z', 'required')).toBeNull();
  });
});
