// ESLint for the webphone (flat config; `npx eslint webphone/` from the repo
// root finds it). TypeScript gets typescript-eslint's strict, type-aware
// rules, the React app (.tsx) also the react-hooks rules, and this file
// ESLint's recommended ones.
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['dist/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // A rule may be switched off only with its reason: `// eslint-disable-next-line rule -- why`.
  comments.recommended,
  {
    rules: { '@eslint-community/eslint-comments/require-description': 'error' },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        // The Vite and Vitest configs run in Node: their own tsconfig.
        projectService: { allowDefaultProject: ['vite.config.ts', 'vitest.config.ts'], defaultProject: 'tsconfig.node.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // No `any`: an exception needs a disable comment, whose reason the rule above demands.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The React app: the rules of hooks and the compiler-era checks (purity, refs, effects).
    files: ['src/app/**/*.tsx', 'test/app/**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
]);
