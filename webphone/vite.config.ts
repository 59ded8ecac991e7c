// The webphone: React + TypeScript, built by Vite into webphone/dist/, which the
// gateway serves at / (stack/gateway.py). From the repo root:
// `npx vite build --config webphone/vite.config.ts`.
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    sourcemap: true,
    target: ['chrome110', 'firefox115', 'safari16'],
  },
});
