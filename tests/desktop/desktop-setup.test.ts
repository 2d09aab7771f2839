import { describe, expect, it } from 'vitest';
import { electronDownloadBlocker, exitLine, missingToolchain, nodeGypCandidates, npmInvocation, type Tool } from '../../scripts/lib/desktop-setup.mjs';

/** scripts/start.mjs and scripts/rebuild-electron.mjs decisions (plain functions; the scripts only run them). */
describe('npm start and rebuild:electron, per OS', () => {
  it('Windows: npm runs as npm-cli.js on this Node (npm.cmd cannot be spawned without a shell)', () => {
    const exists = (p: string) => p === 'C:\\npm\\bin\\npm-cli.js' || p === 'C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js';
    expect(npmInvocation('win32', 'C:\\Program Files\\nodejs\\node.exe', { npm_execpath: 'C:\\npm\\bin\\npm-cli.js' }, exists)).toEqual({
      command: 'C:\\Program Files\\nodejs\\node.exe',
      args: ['C:\\npm\\bin\\npm-cli.js'],
    });
    // Started as `node scripts/start.mjs`: npm where the Windows installer puts it, next to node.exe.
    expect(npmInvocation('win32', 'C:\\Program Files\\nodejs\\node.exe', {}, exists)).toEqual({
      command: 'C:\\Program Files\\nodejs\\node.exe',
      args: ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js'],
    });
    expect(npmInvocation('win32', 'C:\\node\\node.exe', {}, () => false)).toBeNull();
    expect(npmInvocation('linux', '/usr/bin/node', {}, () => false)).toEqual({ command: 'npm', args: [] });
  });

  it('node-gyp is looked for beside the npm that runs us and in npm’s Windows layout (no lib/ there)', () => {
    const win = nodeGypCandidates('win32', 'C:\\nodejs\\node.exe', { npm_execpath: 'C:\\nodejs\\node_modules\\npm\\bin\\npm-cli.js' }, 'C:\\app');
    expect(win.map((p) => p.replaceAll('\\', '/'))).toEqual([
      'C:/nodejs/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      'C:/nodejs/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      'C:/app/node_modules/node-gyp/bin/node-gyp.js',
    ]);
    expect(nodeGypCandidates('linux', '/usr/local/bin/node', { npm_config_node_gyp: '/x/node-gyp.js' }, '/app')).toEqual([
      '/x/node-gyp.js',
      '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      '/app/node_modules/node-gyp/bin/node-gyp.js',
    ]);
  });

  it('fetching Electron 45 needs Node 22.12+; the headless path does not', () => {
    expect(electronDownloadBlocker('v20.19.0')).toMatch(/needs Node 22\.12\+ \(this is Node 20\.19\.0\)/);
    expect(electronDownloadBlocker('v22.11.9')).not.toBeNull();
    expect(electronDownloadBlocker('v22.12.0')).toBeNull();
    expect(electronDownloadBlocker('v24.1.0')).toBeNull();
  });

  it('the missing compiler toolchain, in one line per OS', () => {
    const only = (...tools: Tool[]) => (t: Tool) => tools.includes(t);
    expect(missingToolchain('linux', only('python3', 'make', 'g++'), 13)).toBeNull();
    expect(missingToolchain('linux', only('make', 'g++'), 12)).toBe(
      'compiling it needs python3, g++ 13 or newer (this is g++ 12) (Debian/Ubuntu: sudo apt install python3 make g++)',
    );
    expect(missingToolchain('linux', only('python3', 'make', 'clang++'), null)).toBeNull();
    expect(missingToolchain('darwin', only('python3'), null)).toBe('compiling it needs the Xcode Command Line Tools (xcode-select --install)');
    expect(missingToolchain('win32', only('python'), null)).toMatch(/^compiling it needs Visual Studio Build Tools with "Desktop development with C\+\+" \(winget/);
    expect(missingToolchain('win32', only('python', 'msvc'), null)).toBeNull();
  });

  it('never a silent non-zero exit: a line for a failure or a death by signal', () => {
    expect(exitLine('npm run build', 0, null)).toBeNull();
    expect(exitLine('npm run build', 2, null)).toBe('queuectl: npm run build failed (exit code 2)');
    expect(exitLine('queuectl worker start', null, 'SIGKILL')).toBe('queuectl: queuectl worker start was ended by SIGKILL');
  });
});
