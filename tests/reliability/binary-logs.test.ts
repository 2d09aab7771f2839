import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '../../protocol/node/client.js';
import { CLI, TestHome } from '../helpers/daemon.js';

/**
 * A job's output comes back from `logs` (whole, --tail, --follow, enqueue --follow) exactly as the job wrote
 * it, byte for byte, whether UTF-8, Latin-1 or binary: the daemon sends the exact bytes of every chunk that
 * is not UTF-8 (`data_base64`, protocol/log-chunk.ts) next to its text, which the dashboard keeps showing.
 */

/** Latin-1 "café" behind two bytes that are never UTF-8, as printf writes them (octal: POSIX sh has no \x). */
const LATIN1 = Buffer.from([0xff, 0xfe, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]);
const PRINT_LATIN1 = "printf '\\377\\376 caf\\351\\n'";

/** Runs the built CLI and keeps stdout as bytes. */
function cliBytes(t: TestHome, args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: t.env() });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr }));
    child.stdin.end();
  });
}

describe('job output comes back byte for byte (real daemon, built CLI)', () => {
  let t: TestHome;
  let rpc: RpcClient;
  /** 3 MB of random bytes (several chunks, invalid UTF-8 everywhere), written by the test for jobs to cat. */
  let random: Buffer;
  let randomFile: string;

  beforeAll(async () => {
    t = new TestHome();
    await t.start(2);
    rpc = await RpcClient.connect(t.home, 'binary-logs-test');
    random = randomBytes(3_000_000);
    randomFile = join(t.home, 'random.bin');
    writeFileSync(randomFile, random);
  });
  afterAll(async () => {
    rpc?.close();
    await t.dispose();
  });

  it('logs, logs --tail, logs --follow and logs --run print Latin-1 output as written', async () => {
    const id = await t.ok(['enqueue', PRINT_LATIN1]);
    await t.until(id, 'completed');
    for (const args of [['logs', id], ['logs', id, '--tail', '1'], ['logs', id, '--follow'], ['logs', id, '--run', '1'], ['logs', id, '--run', 'latest', '--tail', '1']]) {
      const r = await cliBytes(t, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout.equals(LATIN1), `${args.join(' ')} printed ${r.stdout.toString('hex')}`).toBe(true);
    }
  });

  it('logs --follow and enqueue --follow stream binary output as written while the job runs, chunks and a cut character included', async () => {
    const half = 1_500_000;
    const command = `printf '\\351'; head -c ${half} ${randomFile}; sleep 1; tail -c +${half + 1} ${randomFile}; printf '\\303'; sleep 0.5; printf '\\251\\n'`;
    const expected = Buffer.concat([Buffer.from([0xe9]), random, Buffer.from([0xc3, 0xa9, 0x0a])]);
    const enqueued = await cliBytes(t, ['enqueue', '--follow', command]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stdout.equals(expected)).toBe(true);

    const id = await t.ok(['enqueue', command]);
    const followed = await cliBytes(t, ['logs', '--follow', id]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout.equals(expected)).toBe(true);
    const whole = await cliBytes(t, ['logs', id]);
    expect(whole.stdout.equals(expected)).toBe(true);
  });

  it('the protocol stays text for displays: data has U+FFFD, data_base64 the bytes; UTF-8 logs have no data_base64 and are cut only between characters', async () => {
    const latin = await t.ok(['enqueue', PRINT_LATIN1]);
    const utf8 = await t.ok(['enqueue', "printf 'caf\\303\\251\\n'"]);
    await t.until(latin, 'completed');
    await t.until(utf8, 'completed');

    const chunk = await rpc.call('logs', { id: latin });
    expect(chunk.data).toBe('\ufffd\ufffd caf\ufffd\n');
    expect(Buffer.from(chunk.data_base64 ?? '', 'base64').equals(LATIN1)).toBe(true);

    const text = await rpc.call('logs', { id: utf8 });
    expect(text).toEqual({ id: utf8, data: 'café\n', offset: 0, next_offset: 6, size: 6 });
    // Four bytes would end inside "é": the chunk stops before it, and the next one starts with it.
    const first = await rpc.call('logs', { id: utf8, max_bytes: 4 });
    expect([first.data, first.next_offset, first.data_base64]).toEqual(['caf', 3, undefined]);
    const second = await rpc.call('logs', { id: utf8, offset: 3 });
    expect([second.data, second.data_base64]).toEqual(['é\n', undefined]);
  });
});
