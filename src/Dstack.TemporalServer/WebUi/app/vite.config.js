import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // The package resolves every API URL against VITE_API; empty means the origin that served the page.
  define: { 'import.meta.env.VITE_API': JSON.stringify('') },
  optimizeDeps: { include: ['date-fns', 'date-fns-tz'] },
  // The UI is only ever opened in current browsers; no down-levelled syntax to parse.
  build: { reportCompressedSize: false, target: 'esnext' },
});
