import { defineConfig } from 'vite';

// The console reads the repository's schemas (../schemas) at build time.
export default defineConfig({
  server: {
    host: '127.0.0.1',
    port: 5173,
    fs: { allow: ['..'] },
    // The provider's OGate, same-origin for the page: /ogate/v1/... -> OGate's /v1/...
    proxy: {
      '/ogate': {
        target: process.env.OGATE_URL ?? 'http://127.0.0.1:8480',
        rewrite: (path) => path.replace(/^\/ogate/, ''),
      },
    },
  },
  build: { outDir: 'dist', target: 'es2022' },
});
