// Vitest runs every webphone unit test: the DOM-free logic (*.test.ts) in the
// faster node environment, the React components (test/app/, *.test.tsx) in
// jsdom.
// Paths are relative to the root: run `npx vitest run --root webphone`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'logic', include: ['test/**/*.test.ts'], environment: 'node', setupFiles: ['test/setup-i18n.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'app',
          include: ['test/app/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/setup-i18n.ts', 'test/app/setup.ts'],
        },
      },
    ],
  },
});
