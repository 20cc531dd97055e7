import { defineConfig } from 'vite';

// `vite` (dev server) forwards the API to a running validator; the build is a static directory
// the validator serves itself (`--static-dir dist`), so nothing here runs in production.
const api = process.env.FOLD_DASHBOARD_API_URL ?? 'http://127.0.0.1:8093';

export default defineConfig({
  // Relative asset URLs: the build works wherever the validator mounts it.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The 3D viewer is one large lazily loaded chunk (3Dmol.js, about 540 kB minified).
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      onLog(level, log, handler) {
        // 3Dmol.js evaluates callbacks given as strings in its auto-load mode, which this page
        // does not use; the warning about it says nothing about our code.
        if (log.code === 'EVAL' && (log.id ?? '').includes('3dmol')) return;
        handler(level, log);
      },
    },
  },
  server: {
    proxy: { '/api': api, '/openapi.json': api },
  },
});
