// Vitest runs every webphone unit test: the TypeScript ones, the JS ones of
// the modules not ported yet, and the React app's components (test/app/,
// .tsx) in jsdom. The DOM-free logic keeps the faster node environment.
// Paths are relative to the root: run `npx vitest run --root webphone`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'logic', include: ['test/**/*.test.{ts,js}'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'app',
          include: ['test/app/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/app/setup.ts'],
        },
      },
    ],
  },
});
