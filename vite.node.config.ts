import { defineConfig } from 'vite';

/**
 * The headless daemon, the worker entry and the CLI's daemonless store access (local.js), bundled for plain Node. better-sqlite3 and execa stay in
 * node_modules (native addon; resolved at run time).
 */
export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'out/node',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        daemon: 'electron/daemon.ts',
        worker: 'electron/engine/worker/entry.ts',
        // A queuectl command's own dispatch when no daemon runs (electron/engine/in-process.ts), loaded by the CLI only then.
        local: 'electron/engine/in-process.ts',
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
