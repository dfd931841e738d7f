import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The tunnel server serves this build at /admin/ and answers index.html for
// any unknown path below it, so the app routes with browser history under /admin.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
