// Vite build of the Keyhole console: `npm run build` (vite build web) writes web/dist, which
// the Keyhole server serves at `/` (src/server/routes/console.ts). In development, `npx vite
// web` proxies the API to a running `npm start` on :8080.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/v1': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
