// Bundles the webphone: src/main.js (and the CSS it imports) to dist/app.js
// and dist/app.css, with source maps. Run from anywhere: `node webphone/build.mjs`
// (`--watch` rebuilds on change while developing).
import { build, context } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

const options = {
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  legalComments: 'linked',
  logLevel: 'info',
  // JsSIP logs through `debug`, which reads process.env in Node only.
  define: { 'process.env.NODE_ENV': '"production"' },
};

if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
