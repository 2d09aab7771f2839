import { describe, expect, it } from 'vitest';
import { ENV_LIMITS, envProblem, formatUmask, parseUmask, umaskProblem, utf8Length } from '../../protocol/index.js';

describe('a job environment from the wire (protocol/job-env.ts, run by the CLI and the daemon)', () => {
  it('accepts an object of strings, an empty one (nothing but QUEUECTL_*) and null (the queue\'s own)', () => {
    expect(envProblem({ PATH: '/usr/bin', MYVAR: 'hello', EMPTY: '', 'odd.name-1': 'ok' })).toBeNull();
    expect(envProblem({})).toBeNull();
    expect(envProblem(null)).toBeNull();
  });

  it('refuses what exec cannot pass, naming the variable', () => {
    expect(envProblem(['A=1'])).toMatch(/^env must be an object of variables/);
    expect(envProblem('A=1')).toMatch(/^env must be an object of variables/);
    expect(envProblem({ '': 'x' })).toBe('env: a variable name must not be empty');
    expect(envProblem({ 'A=B': 'x' })).toBe('env: variable name "A=B" must not contain "="');
    expect(envProblem({ 'A\0': 'x' })).toMatch(/must not contain NUL bytes/);
    expect(envProblem({ A: 1 })).toBe('env.A must be a string, got 1');
    expect(envProblem({ A: null })).toBe('env.A must be a string, got null');
    expect(envProblem({ A: 'x\0y' })).toBe('env.A must not contain NUL bytes');
  });

  it('caps one variable, the total (a 1 MB environment is refused) and the count', () => {
    expect(envProblem({ A: 'x'.repeat(ENV_LIMITS.variableBytes - 2) })).toBeNull();
    expect(envProblem({ A: 'x'.repeat(ENV_LIMITS.variableBytes - 1) })).toMatch(/^env\.A is 131072 bytes; one variable may have at most 131071$/);
    const mb = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`BIG${i}`, 'x'.repeat(100_000)]));
    expect(envProblem(mb)).toMatch(/^env is 1000060 bytes; a job's environment may have at most 262144 \(256 KiB\)$/);
    const many = Object.fromEntries(Array.from({ length: ENV_LIMITS.count + 1 }, (_, i) => [`V${i}`, '']));
    expect(envProblem(many)).toBe(`env has ${ENV_LIMITS.count + 1} variables; the limit is ${ENV_LIMITS.count}`);
    expect(envProblem({ A: 1 }, 'schedule env')).toBe('schedule env.A must be a string, got 1');
  });

  it('counts bytes as UTF-8', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a😀b€', '\ud800']) expect(utf8Length(text)).toBe(Buffer.byteLength(text));
  });

  it('umask: octal text up to 0777, printed as umask prints it', () => {
    expect(parseUmask('0022')).toBe(0o022);
    expect(parseUmask('022')).toBe(0o022);
    expect(parseUmask('77')).toBe(0o077);
    expect(parseUmask('0777')).toBe(0o777);
    for (const bad of ['', '1000', '0888', '22a', ' 022', 18, null, '00022']) expect(parseUmask(bad)).toBeNull();
    expect(formatUmask(0o022)).toBe('0022');
    expect(formatUmask(0)).toBe('0000');
    expect(umaskProblem(18)).toBe('umask must be octal text such as "0022" (at most "0777"); got 18');
    expect(umaskProblem('0027')).toBeNull();
  });
});
