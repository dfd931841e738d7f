import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.{ts,tsx}'],
      setupFiles: ['src/test/setup.ts'],
      // Two cores shared with a C++ build: keep the pool small.
      pool: 'threads',
      maxWorkers: 2,
      testTimeout: 15000,
    },
  }),
);
