import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** resources/ as scripts/make-icons.mjs draws it, checked against what each platform asks for. */
const STATES = ['idle', 'busy', 'attention'];
const file = (name: string) => readFileSync(`resources/${name}`);
const size = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)];

/** The RGBA pixels of one of our PNGs (8-bit RGBA, filter 0 on every row, as make-icons writes them). */
function pixels(png: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const [w] = size(png);
  const raw = inflateSync(Buffer.concat(chunks));
  const rows: Buffer[] = [];
  for (let y = 0; y * (w! * 4 + 1) < raw.length; y++) rows.push(raw.subarray(y * (w! * 4 + 1) + 1, (y + 1) * (w! * 4 + 1)));
  return Buffer.concat(rows);
}

describe('icons per platform', () => {
  it('Linux: 16 px and @2x 32 px badges', () => {
    for (const s of STATES) {
      expect(size(file(`tray-${s}.png`))).toEqual([16, 16]);
      expect(size(file(`tray-${s}@2x.png`))).toEqual([32, 32]);
    }
  });

  it('macOS: template images (name ends in Template, black with alpha only), 16 px and @2x', () => {
    for (const s of STATES) {
      for (const [name, px] of [[`tray-${s}Template.png`, 16], [`tray-${s}Template@2x.png`, 32]] as const) {
        const png = file(name);
        expect(size(png)).toEqual([px, px]);
        const rgba = pixels(png);
        let opaque = 0;
        for (let i = 0; i < rgba.length; i += 4) {
          expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([0, 0, 0]);
          if (rgba[i + 3]! > 0) opaque++;
        }
        expect(opaque).toBeGreaterThan(10);
      }
    }
  });

  it('Windows: one .ico per state with 16–48 px images for every display scale', () => {
    for (const s of STATES) {
      const ico = file(`tray-${s}.ico`);
      expect(ico.readUInt16LE(2)).toBe(1);
      const count = ico.readUInt16LE(4);
      const sizes = Array.from({ length: count }, (_, i) => ico[6 + i * 16]);
      expect(sizes).toEqual([16, 20, 24, 32, 40, 48]);
      const first = ico.readUInt32LE(6 + 12);
      expect(ico.subarray(first, first + 4).toString('latin1')).toBe('\x89PNG');
    }
  });
});

describe('the tray loads the right file per platform', () => {
  it('template PNG on macOS, ICO on Windows, PNG on Linux; each file exists', async () => {
    const { trayIconFile } = await import('../../electron/main/platform.js');
    expect(trayIconFile('darwin', 'busy')).toBe('tray-busyTemplate.png');
    expect(trayIconFile('win32', 'busy')).toBe('tray-busy.ico');
    expect(trayIconFile('linux', 'busy')).toBe('tray-busy.png');
    for (const platform of ['darwin', 'win32', 'linux'] as const) for (const s of ['idle', 'busy', 'attention'] as const) file(trayIconFile(platform, s));
  });
});
