// The console's build: `vite build console` writes static files to console/dist, which the server
// serves at `/` (src/http/routes/consoleRoutes.ts). In development, `vite console` proxies the API
// and the console's server routes to a running Changehook (CHANGEHOOK_URL, default port 8080).

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const target = process.env.CHANGEHOOK_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/elements/api-v2': target,
      '/console/config.json': target,
      '/console/sandbox': target,
    },
  },
});
