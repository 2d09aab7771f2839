import { spawn, spawnSync } from 'node:child_process';
import { CLI, type CliResult, type TestHome } from './daemon.js';

/** util-linux `script` is there: tests that need the CLI on a terminal are skipped without it. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the built CLI with a terminal for stdin and stdout (through `script`), feeding it `input`, so it
 * asks its questions as it would a person. On a terminal stdout and stderr are one stream: all in stdout.
 */
export function onTerminal(t: TestHome, args: string[], input: string): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: t.env() });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' }));
    child.stdin.end(input);
  });
}
