import { defineConfig } from 'vite';

/** The benchmark runner (npm run bench), bundled for Node like the daemon; not part of the product. */
export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'out/bench',
    emptyOutDir: true,
    minify: false,
    rolldownOptions: {
      input: { run: 'bench/run.ts' },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
