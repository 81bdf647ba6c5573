// The CLI's entry point, bundled with @oclif/core into dist/bundle/main.cjs (see scripts/build.mjs).
import {execute} from '@oclif/core'

/** Runs the command line; `binUrl` is bin/run.js's import.meta.url, from which oclif finds package.json. */
export async function run(binUrl: string): Promise<void> {
  await execute({dir: binUrl})
}
