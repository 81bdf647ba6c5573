import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Real Kafka clients against a broker: npm run test:interop, after scripts/interop/setup.sh.
    exclude: [...configDefaults.exclude, 'test/interop/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real daemons in their own temporary homes, so files can run in parallel.
    fileParallelism: true,
  },
})
