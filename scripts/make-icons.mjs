// Draws the tray and window icons into resources/ (no downloads, no image libraries), the sizes each
// platform asks for (electron/main/glue/tray.ts trayIconFile picks the file):
// - Linux: tray-<state>.png, a round badge per queue state with a queue of bars (idle: grey, busy: blue) or an
//   exclamation mark (attention: red), 16 px, and tray-<state>@2x.png, 32 px;
// - macOS: tray-<state>Template.png (16 px) and @2x (32 px), black shapes on transparent, which the menu bar
//   tints for light and dark mode (the "Template" suffix makes them template images): bars (idle), bars in a
//   ring (busy), an exclamation mark cut out of a disc (attention);
// - Windows: tray-<state>.ico holding the badge at 16, 20, 24, 32, 40 and 48 px (100–300% display scale);
// - everywhere: icon.png, 256 px, for the window and notifications.
// Usage: node scripts/make-icons.mjs   (the PNGs are committed; run it again only to change the drawing)
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = fileURLToPath(new URL('../resources/', import.meta.url));

const COLORS = {
  idle: [107, 114, 128],
  busy: [37, 99, 235],
  attention: [220, 38, 38],
};
const WHITE = [255, 255, 255];

/** Coverage of shape(x, y) (coordinates 0..1) over one pixel, by 4×4 supersampling: smooth edges. */
function render(size, paint) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const color = paint((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (color) {
            r += color[0];
            g += color[1];
            b += color[2];
            a += 1;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
      }
      pixels[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return pixels;
}

const inRect = (x, y, x0, y0, x1, y1, radius = 0) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + radius), x1 - radius);
  const cy = Math.min(Math.max(y, y0 + radius), y1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
};

/** Three bars of a queue, longest first. */
const bars = (x, y) =>
  inRect(x, y, 0.27, 0.28, 0.73, 0.38, 0.05) || inRect(x, y, 0.27, 0.45, 0.66, 0.55, 0.05) || inRect(x, y, 0.27, 0.62, 0.56, 0.72, 0.05);

const exclamation = (x, y) => inRect(x, y, 0.43, 0.2, 0.57, 0.6, 0.07) || (x - 0.5) ** 2 + (y - 0.74) ** 2 <= 0.075 ** 2;

function trayIcon(state) {
  const fill = COLORS[state];
  const mark = state === 'attention' ? exclamation : bars;
  return (x, y) => {
    const inside = (x - 0.5) ** 2 + (y - 0.5) ** 2 <= 0.47 ** 2;
    if (!inside) return null;
    return mark(x, y) ? WHITE : fill;
  };
}

const BLACK = [0, 0, 0];

/** The menu-bar template: shape only (black with alpha); macOS colours it. */
function templateIcon(state) {
  const r2 = (x, y) => (x - 0.5) ** 2 + (y - 0.5) ** 2;
  if (state === 'attention') return (x, y) => (r2(x, y) <= 0.47 ** 2 && !exclamation(x, y) ? BLACK : null);
  if (state === 'busy') return (x, y) => ((r2(x, y) <= 0.47 ** 2 && r2(x, y) >= 0.39 ** 2) || bars(x, y) ? BLACK : null);
  return (x, y) => (bars(x, y) ? BLACK : null);
}

/** A Windows icon file: PNG images, one directory entry each (Vista and later read PNG entries). */
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)]);
}

function appIcon(x, y) {
  if (!inRect(x, y, 0.06, 0.06, 0.94, 0.94, 0.2)) return null;
  return bars(x, y) ? WHITE : COLORS.busy;
}

function png(size, pixels) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    pixels.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

mkdirSync(out, { recursive: true });
for (const state of Object.keys(COLORS)) {
  writeFileSync(`${out}tray-${state}.png`, png(16, render(16, trayIcon(state))));
  writeFileSync(`${out}tray-${state}@2x.png`, png(32, render(32, trayIcon(state))));
  writeFileSync(`${out}tray-${state}Template.png`, png(16, render(16, templateIcon(state))));
  writeFileSync(`${out}tray-${state}Template@2x.png`, png(32, render(32, templateIcon(state))));
  writeFileSync(`${out}tray-${state}.ico`, ico([16, 20, 24, 32, 40, 48].map((size) => ({ size, data: png(size, render(size, trayIcon(state))) }))));
}
writeFileSync(`${out}icon.png`, png(256, render(256, appIcon)));
process.stdout.write(`icons written to ${out}\n`);
