/**
 * Where the launcher puts its `import()` for the bundle: globalThis[Symbol.for(IMPORT_HOOK_KEY)]. On Node 20,
 * code compiled from V8's code cache has lost what `import()` needs (V8 11.3 drops a script's host-defined
 * options on deserialising), so the build (scripts/vite-route-imports.ts) turns every `import()` in the bundle
 * into a call of this function, which imports from the launcher's own, normally loaded code.
 */
export const IMPORT_HOOK_KEY = 'queuectl.cli.import';

export type ImportHook = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;
