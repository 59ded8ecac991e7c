// The webphone: React + TypeScript, built by Vite into webphone/dist/, which the
// gateway serves at / (stack/gateway.py). From the repo root:
// `npx vite build --config webphone/vite.config.ts`.
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

// The brand (app.css): the dark top bar colours the browser's title bar; the
// page's slate-100 is the splash background, so opening the app does not flash.
const TOPBAR = '#15233a';
const PAGE = '#f1f5f9';

// Never from the service worker: the API, and the settings each stack writes
// beside the app (config.json), so an offline page says so instead of using stale ones.
const NOT_THE_APP = [/^\/rest\//, /^\/auth\//, /^\/storage\//, /^\/realtime\//, /^\/config\.json$/];

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [
    react(),
    tailwindcss(),
    // Installable and offline-capable: the app shell is precached; main.tsx
    // registers the worker (virtual:pwa-register) and shows the offline screen.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      strategies: 'generateSW',
      // The icons are in workbox.globPatterns already.
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'Call Center CRM',
        short_name: 'CRM',
        description: 'Webphone y CRM del call center: llamadas, ventas y supervisión.',
        lang: 'es',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: TOPBAR,
        background_color: PAGE,
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The shell: index.html, every JS/CSS chunk (the role chunks too, so a
        // desk reopened offline still draws), the icons (the plugin adds the manifest).
        globPatterns: ['**/*.{html,js,css,png,svg}'],
        // Source maps stay on the server.
        globIgnores: ['**/*.map'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: NOT_THE_APP,
        // Only navigations are answered from the cache; no runtime caching, so
        // /rest, /auth, /storage, /realtime and config.json always go to the network.
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
        // One file (sw.js, served no-cache) rather than sw.js + a workbox-<hash>.js beside it.
        inlineWorkboxRuntime: true,
        clientsClaim: true,
        skipWaiting: true,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    sourcemap: true,
    // dist/.vite/manifest.json: which chunks each route loads (bench/webphone.py).
    manifest: true,
    // The budget that matters is gzip per route (bench/webphone.py, the shell e2e test):
    // Vite's raw 500 kB warning on the shared initial chunk is noise beside it.
    chunkSizeWarningLimit: 800,
    target: ['chrome110', 'firefox115', 'safari16'],
  },
});
