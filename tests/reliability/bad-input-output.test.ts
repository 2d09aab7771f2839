import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * Bad values for the output options (--fields, --no-header), completion for an unknown shell and bad
 * status --watch usage: a clear message on stderr, exit 2, nothing on stdout, the store unchanged; and the
 * same refusal (exit 2, not 3) when no daemon runs, since they are checked before connecting.
 */
describe('bad output options are refused', () => {
  const t = new TestHome();
  const none = new TestHome();

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['enqueue', '{"id":"keep","command":"true"}']);
    await t.until('keep', 'completed');
  });
  afterAll(async () => {
    await t.dispose();
    await none.dispose();
  });

  const snapshot = async () => JSON.stringify(await t.json<Job[]>(['list', '--limit', '1000']));

  const cases: Array<[string, string[], RegExp]> = [
    ['--fields with an unknown field', ['list', '--fields', 'id,colour'], /unknown field "colour"; fields are id, name, command, state/],
    ['--fields empty', ['list', '--fields', ''], /give at least one field/],
    ['--fields only commas', ['list', '--fields', ',,'], /give at least one field/],
    ['--fields with an empty name between commas', ['list', '--fields', 'id,,state'], /an empty field name in "id,,state"/],
    ['--fields with a trailing comma', ['list', '--fields', 'id,'], /an empty field name/],
    ['--fields without a value', ['list', '--fields'], /argument missing/],
    ['--fields with a template instead of names', ['list', '--fields', '{id}\t{state}'], /unknown field "\{id\}\t\{state\}"/],
    ['--no-header without --fields', ['list', '--no-header'], /--no-header goes with --fields/],
    ['completion for an unknown shell', ['completion', 'powershell'], /unknown shell "powershell"; queuectl completes bash, zsh, fish/],
    ['completion for an empty shell name', ['completion', ''], /unknown shell ""/],
    ['completion without a shell', ['completion'], /missing required argument 'shell'/],
    ['completion with two shells', ['completion', 'bash', 'zsh'], /too many arguments/],
    ['status --watch with an argument', ['status', '--watch', 'fast'], /too many arguments/],
    ['status with an unknown watch flag', ['status', '--watch-interval', '1'], /unknown option '--watch-interval'/],
    ['__complete ids with a bad state', ['__complete', 'ids', '--state', 'bogus'], /unknown state "bogus"/],
  ];

  it.each(cases)('%s: exit 2, message, empty stdout, nothing changed', async (_label, args, message) => {
    const before = await snapshot();
    const r = await t.cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await snapshot()).toBe(before);
  });

  it.each(cases)('%s, with no daemon running: still exit 2 (checked before connecting)', async (_label, args, message) => {
    const r = await none.cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
