// The interoperability suite (npm run test:interop): real Kafka clients of five families against one broker.
// Not part of npm test: it needs scripts/interop/setup.sh first and runs for minutes.
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/harness/global-setup.ts'],
    pool: 'forks',
    // One broker, one test file at a time: the machine has two cores and a JVM broker.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
