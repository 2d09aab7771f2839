import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_FRAME_BYTES, encodeFrame } from '../../protocol/framing.js';

const enc = new TextEncoder();
const bytes = (text: string): Uint8Array => enc.encode(text);

describe('encodeFrame', () => {
  it('writes one JSON object followed by a single newline, with inner newlines escaped', () => {
    const frame = encodeFrame({ a: 'x\ny', n: 1 });
    expect(frame).toBe('{"a":"x\\ny","n":1}\n');
    expect(frame.indexOf('\n')).toBe(frame.length - 1);
  });

  it('round-trips through the splitter', () => {
    const msg = { jsonrpc: '2.0', id: 7, method: 'enqueue', params: { command: 'echo "héllo ✓"' } };
    const result = new LineSplitter().push(bytes(encodeFrame(msg)));
    expect(result.lines.map((l) => JSON.parse(l ?? 'null'))).toEqual([msg]);
  });
});

describe('LineSplitter', () => {
  it('returns a whole line and holds back an unterminated tail', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('{"a":1}\n{"b"'))).toEqual({ lines: ['{"a":1}'], overflow: false, badUtf8: false });
    expect(s.push(bytes(':2}\n'))).toEqual({ lines: ['{"b":2}'], overflow: false, badUtf8: false });
  });

  it('joins a line split across many chunks, one byte at a time', () => {
    const s = new LineSplitter();
    const text = '{"method":"status"}';
    const out: Array<string | null> = [];
    for (const ch of text) {
      const r = s.push(bytes(ch));
      out.push(...r.lines);
      expect(r.overflow).toBe(false);
    }
    expect(out).toEqual([]);
    expect(s.push(bytes('\n')).lines).toEqual([text]);
  });

  it('returns several lines from one chunk in order', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('one\ntwo\nthree\n')).lines).toEqual(['one', 'two', 'three']);
  });

  it('returns nothing for a chunk without a newline, and nothing is lost after it', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('abc')).lines).toEqual([]);
    expect(s.push(bytes('def')).lines).toEqual([]);
    expect(s.push(bytes('\nghi\n')).lines).toEqual(['abcdef', 'ghi']);
  });

  it('skips empty and whitespace-only lines', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('\n\na\n   \n\t\nb\n\n')).lines).toEqual(['a', 'b']);
  });

  it('keeps a line that is exactly the cap', () => {
    const s = new LineSplitter(10);
    expect(s.push(bytes('0123456789\n'))).toEqual({ lines: ['0123456789'], overflow: false, badUtf8: false });
  });

  it('reports overflow for a complete line one byte over the cap', () => {
    const s = new LineSplitter(10);
    const r = s.push(bytes('ok\n0123456789A\n'));
    expect(r.overflow).toBe(true);
    expect(r.lines).toEqual(['ok']); // lines before the oversize one still arrive
  });

  it('reports overflow as soon as an unterminated tail exceeds the cap', () => {
    const s = new LineSplitter(10);
    expect(s.push(bytes('01234')).overflow).toBe(false);
    expect(s.push(bytes('56789')).overflow).toBe(false); // 10 bytes pending: at the cap, still fine
    expect(s.push(bytes('A')).overflow).toBe(true);
  });

  it('counts pending bytes plus the new piece against the cap when a line ends', () => {
    const s = new LineSplitter(10);
    expect(s.push(bytes('012345')).overflow).toBe(false);
    expect(s.push(bytes('6789A\n')).overflow).toBe(true);
  });

  it('counts bytes, not characters, against the cap', () => {
    const s = new LineSplitter(6);
    // "ééé" is 3 characters but 6 bytes: fits. "éééé" is 8 bytes: does not.
    expect(s.push(bytes('ééé\n'))).toEqual({ lines: ['ééé'], overflow: false, badUtf8: false });
    expect(s.push(bytes('éééé\n')).overflow).toBe(true);
  });

  it('uses 8 MiB as the default cap', () => {
    expect(MAX_FRAME_BYTES).toBe(8 * 1024 * 1024);
    const s = new LineSplitter();
    const big = new Uint8Array(MAX_FRAME_BYTES).fill(0x61);
    expect(s.push(big).overflow).toBe(false);
    expect(s.push(bytes('b')).overflow).toBe(true);
  });

  it('reports a line with invalid UTF-8 as null in its place, with the valid lines around it', () => {
    const s = new LineSplitter();
    const chunk = new Uint8Array([...bytes('good1\n'), 0xff, 0xfe, 0x41, 0x0a, ...bytes('good2\n')]);
    expect(s.push(chunk)).toEqual({ lines: ['good1', null, 'good2'], overflow: false, badUtf8: true });
  });

  it('treats a truncated multibyte sequence at the end of a line as invalid', () => {
    const s = new LineSplitter();
    const euro = bytes('€'); // e2 82 ac
    const chunk = new Uint8Array([...bytes('a'), euro[0]!, euro[1]!, 0x0a, ...bytes('b\n')]);
    expect(s.push(chunk)).toEqual({ lines: [null, 'b'], overflow: false, badUtf8: true });
  });

  it('treats an overlong encoding and a lone surrogate encoding as invalid', () => {
    const s = new LineSplitter();
    expect(s.push(new Uint8Array([0xc0, 0xaf, 0x0a])).badUtf8).toBe(true); // overlong "/"
    expect(s.push(new Uint8Array([0xed, 0xa0, 0x80, 0x0a])).badUtf8).toBe(true); // U+D800
  });

  it('recovers after a bad line: the next chunk decodes normally and reports no badUtf8', () => {
    const s = new LineSplitter();
    expect(s.push(new Uint8Array([0x80, 0x0a])).badUtf8).toBe(true);
    expect(s.push(bytes('fine\n'))).toEqual({ lines: ['fine'], overflow: false, badUtf8: false });
  });

  it('reports badUtf8 for an invalid line whose bytes arrived in several chunks', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('abc')).badUtf8).toBe(false);
    expect(s.push(new Uint8Array([0xff, 0x0a, ...bytes('next\n')]))).toEqual({
      lines: [null, 'next'],
      overflow: false,
      badUtf8: true,
    });
  });

  it('joins a multibyte character split across chunks at every byte boundary', () => {
    const text = 'x€😀y';
    const all = bytes(text + '\n');
    for (let cut = 1; cut < all.length; cut++) {
      const s = new LineSplitter();
      const first = s.push(all.subarray(0, cut));
      const second = s.push(all.subarray(cut));
      expect([...first.lines, ...second.lines], `cut at ${cut}`).toEqual([text]);
      expect(first.badUtf8 || second.badUtf8).toBe(false);
    }
  });

  it('is not disturbed when the caller reuses the chunk buffer after push', () => {
    const s = new LineSplitter();
    const buf = bytes('hello');
    s.push(buf);
    buf.fill(0x7a); // "zzzzz": a socket may hand out the same buffer again
    expect(s.push(bytes('\n')).lines).toEqual(['hello']);
  });

  it('keeps a carriage return of a CRLF line (JSON.parse tolerates it)', () => {
    const s = new LineSplitter();
    const [line] = s.push(bytes('{"a":1}\r\n')).lines;
    expect(line).toBe('{"a":1}\r');
    expect(JSON.parse(line!)).toEqual({ a: 1 });
  });
});
