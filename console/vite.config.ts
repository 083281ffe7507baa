import { defineConfig } from 'vite';

// The console reads the repository's schemas (../schemas) at build time.
export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, fs: { allow: ['..'] } },
  build: { outDir: 'dist', target: 'es2022' },
});
