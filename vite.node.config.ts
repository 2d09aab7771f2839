import { defineConfig } from 'vite';

/**
 * The headless daemon and the worker entry, bundled for plain Node. better-sqlite3 and execa stay in
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
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
