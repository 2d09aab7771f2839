/** Types for desktop-setup.mjs (plain JavaScript, run by Node without a build step). */
export interface Invocation {
  command: string;
  args: string[];
}
export function npmInvocation(platform: NodeJS.Platform, execPath: string, env: NodeJS.ProcessEnv, exists: (path: string) => boolean): Invocation | null;
export function nodeGypCandidates(platform: NodeJS.Platform, execPath: string, env: NodeJS.ProcessEnv, root: string): string[];
export const ELECTRON_MIN_NODE: [number, number, number];
export function electronDownloadBlocker(nodeVersion: string): string | null;
export type Tool = 'msvc' | 'python' | 'xcode' | 'python3' | 'make' | 'g++' | 'clang++';
export function missingToolchain(platform: NodeJS.Platform, has: (tool: Tool) => boolean, gccMajor: number | null): string | null;
export function exitLine(what: string, code: number | null, signal: string | null): string | null;
