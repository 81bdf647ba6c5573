import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The Kafka codec is generated from its definitions (not committed): generate it before the tests load it.
    globalSetup: ['test/helpers/generate-kafka-codec.ts'],
    // Real Kafka clients against a broker: npm run test:interop, after scripts/interop/setup.sh.
    exclude: [...configDefaults.exclude, 'test/interop/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real daemons in their own temporary homes, so files can run in parallel.
    fileParallelism: true,
  },
})
