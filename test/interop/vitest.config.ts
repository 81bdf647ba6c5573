// The interoperability suite (npm run test:interop): real Kafka clients of five families against one broker.
// Not part of npm test: it needs scripts/interop/setup.sh first and runs for minutes.
import {homedir} from 'node:os'
import {join} from 'node:path'
import {defineConfig} from 'vitest/config'

const interopHome = process.env.KAFKALITE_INTEROP_HOME ?? join(homedir(), '.cache', 'kafkalite-interop')

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/helpers/generate-kafka-codec.ts', 'test/interop/harness/global-setup.ts'],
    // setup.sh fetched Kafka's kafka-clients jars (their message specs) into its Maven repository: the codec's
    // fidelity check must run here, not skip.
    env: {MAVEN_REPOSITORY: join(interopHome, 'm2'), KAFKALITE_REQUIRE_KAFKA_SPECS: '1'},
    pool: 'forks',
    // One broker, one test file at a time: the machine has two cores and a JVM broker.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
