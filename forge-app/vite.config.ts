/// <reference types="vitest/config" />
import { defineConfig, loadEnv, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Modes:
//  production (default `vite build`): the real @forge/bridge, output ui/dist (the Forge resource).
//  development (`vite`) and e2e (`vite build --mode e2e`): @forge/bridge is replaced by the
//  stand-in in ui/src/dev/bridge-standin.ts, which talks to a local backend through the proxy below.
export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, here('.'), ['VITE_', 'BLUBEES_']), ...process.env };
  const standIn = mode === 'development' || mode === 'e2e';
  const backend = env.VITE_BLUBEES_BACKEND || env.BLUBEES_BACKEND_URL || 'http://127.0.0.1:5080';
  const proxyEntry: ProxyOptions = { target: backend, changeOrigin: true };
  const proxy = { '/api': proxyEntry, '/dev': proxyEntry };
  const alias: Record<string, string> = standIn ? { '@forge/bridge': here('ui/src/dev/bridge-standin.ts') } : {};

  return {
    root: here('ui'),
    base: './', // Forge serves resources from a path prefix: asset URLs must be relative.
    publicDir: here('ui/public'),
    plugins: [react()],
    resolve: {
      alias,
    },
    build: {
      outDir: mode === 'e2e' ? here('ui/dist-e2e') : here('ui/dist'),
      emptyOutDir: true,
      sourcemap: false,
      chunkSizeWarningLimit: 1500,
    },
    // samples/events (the documented Forge payloads) live outside the app and are imported by the dry-run panel.
    server: { host: '127.0.0.1', port: 5173, strictPort: false, proxy, fs: { allow: [here('.'), here('../samples/events')] } },
    preview: { host: '127.0.0.1', port: 4173, strictPort: false, proxy },
    test: {
      root: here('.'),
      include: ['test/**/*.test.{ts,tsx,js}', 'ui/src/**/*.test.{ts,tsx}'],
      environment: 'jsdom',
      pool: 'forks', // the manifest tests chdir() like the Forge CLI; worker threads cannot
      setupFiles: [here('ui/src/test/setup.ts')],
      css: false,
      alias: { '@forge/bridge': here('ui/src/test/bridge-stub.ts') },
      testTimeout: 20000,
      reporters: ['default', here('test/plain-summary-reporter.ts')],
      // Known noise from Atlaskit in jsdom (uninitialised feature gates, React 18 deprecations).
      onConsoleLog: (log: string) =>
        /feature gate|gateName|Support for defaultProps|Client must be initialized/.test(log) ? false : undefined,
    },
  };
});
