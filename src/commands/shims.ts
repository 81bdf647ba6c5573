import {Args, Flags} from '@oclif/core'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {BaseCommand} from '../cli/base-command.js'
import {usageError} from '../errors.js'
import {packageRoot} from '../package-info.js'

/**
 * Kafka's tool names and the kafkalite command (or topic of commands: `storage`) each one runs. Tools whose command
 * does not exist are skipped.
 */
export const KAFKA_TOOLS: Readonly<Record<string, string>> = {
  'kafka-topics': 'topics',
  'kafka-console-producer': 'console-producer',
  'kafka-console-consumer': 'console-consumer',
  'kafka-consumer-groups': 'consumer-groups',
  'kafka-transactions': 'transactions',
  'kafka-producer-perf-test': 'producer-perf-test',
  'kafka-consumer-perf-test': 'consumer-perf-test',
  'kafka-get-offsets': 'get-offsets',
  'kafka-delete-records': 'delete-records',
  'kafka-configs': 'configs',
  'kafka-dump-log': 'dump-log',
  'kafka-log-dirs': 'log-dirs',
  'kafka-verifiable-producer': 'verifiable-producer',
  'kafka-verifiable-consumer': 'verifiable-consumer',
  'kafka-server-start': 'server-start',
  'kafka-server-stop': 'server-stop',
  'kafka-storage': 'storage',
  // Confluent's schema-registry tools (they ship with Confluent's schema registry, not with Apache Kafka).
  'kafka-avro-console-producer': 'avro-console-producer',
  'kafka-avro-console-consumer': 'avro-console-consumer',
  'kafka-json-schema-console-producer': 'json-schema-console-producer',
  'kafka-json-schema-console-consumer': 'json-schema-console-consumer',
}

const MARKER = '# kafkalite shim'

export interface ShimsResult {
  dir: string
  files: string[]
}

export default class Shims extends BaseCommand {
  static override args = {
    dir: Args.string({description: 'Directory to write the shims into (created if missing).', required: true}),
  }

  static override description = `Write drop-in executables named like Kafka's tools (kafka-topics, kafka-topics.sh, kafka-console-producer, ...) into DIR.

Put DIR first on PATH and scripts written for Apache Kafka run against kafkalite unchanged. Nothing is installed globally: the shims exist only where you write them. Each shim runs this kafkalite installation with the matching command. An existing file that is not a kafkalite shim is left alone unless --force.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> ./kafka-bin && export PATH="$PWD/kafka-bin:$PATH" && kafka-topics.sh --bootstrap-server localhost:9092 --list',
  ]

  static override flags = {
    force: Flags.boolean({description: 'Overwrite files that are not kafkalite shims.'}),
  }

  async run(): Promise<ShimsResult> {
    const {args, flags} = await this.parse(Shims)
    const dir = resolve(args.dir)
    mkdirSync(dir, {recursive: true})
    const runJs = join(packageRoot(), 'bin', 'run.js')
    const files: string[] = []
    for (const [tool, command] of Object.entries(KAFKA_TOOLS)) {
      if (!this.config.findCommand(command) && !this.config.findTopic(command)) continue
      const script = [
        '#!/bin/sh',
        `${MARKER} for ${tool}.sh, written by 'kafkalite shims'. Runs: kafkalite ${command}`,
        `exec ${shellQuote(process.execPath)} ${shellQuote(runJs)} ${command} "$@"`,
        '',
      ].join('\n')
      for (const name of [tool, `${tool}.sh`]) {
        const path = join(dir, name)
        if (existsSync(path) && !flags.force && !readFileSync(path, 'utf8').includes(MARKER)) {
          throw usageError(`'${path}' exists and is not a kafkalite shim; use --force to overwrite it.`)
        }
        writeFileSync(path, script)
        chmodSync(path, 0o755)
        files.push(path)
      }
    }
    this.log(`Wrote ${files.length} shims to ${dir}:`)
    for (const f of files) this.log(`  ${f}`)
    this.log(`Use them with: export PATH="${dir}:$PATH"`)
    return {dir, files}
  }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}
