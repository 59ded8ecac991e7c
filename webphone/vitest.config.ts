// Vitest runs every webphone unit test: the TypeScript ones, and the JS ones
// of the modules not ported yet. Node environment for now: the
// tests cover the DOM-free logic; components will bring jsdom with them.
// Paths are relative to the root: run `npx vitest run --root webphone`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,js}'],
    environment: 'node',
  },
});
