// The React webphone (issue 13), served by the gateway at /next/ beside the
// old app at / until every screen is ported. From the repo root:
// `npx vite build --config webphone/vite.config.ts` -> webphone/dist-next/.
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  // index.html lives in app/, the code in src/app/ beside the modules it reuses.
  root: here('./app'),
  base: '/next/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: here('./dist-next'),
    emptyOutDir: true,
    sourcemap: true,
    target: ['chrome110', 'firefox115', 'safari16'],
  },
});
