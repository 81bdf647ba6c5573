// The flag sets that several commands share, defined once so that their names, descriptions and help values stay
// the same everywhere (the man pages are generated from them).
import {Flags} from '@oclif/core'

/** `--bootstrap-server` and its old alias, accepted by every Kafka-shaped command. */
export const connectionFlags = {
  'bootstrap-server': Flags.string({
    description:
      'Kafka compatibility: the broker address. The local broker answers to localhost:9092 (its listeners setting); any other address is refused. Default: the local broker.',
    helpValue: '<host:port>',
    env: 'KAFKALITE_BOOTSTRAP_SERVER',
  }),
  'broker-list': Flags.string({
    description: 'Deprecated alias of --bootstrap-server (kept for old scripts).',
    helpValue: '<host:port>',
    hidden: true,
  }),
}

/** kafka-topics' and kafka-consumer-groups' `--command-config`: read (so a bad file is an error), not applied. */
export const adminConfigFlags = {
  'command-config': Flags.string({
    description: 'Property file containing configs to be passed to Admin Client.',
    helpValue: '<command config property file>',
  }),
}

/** kafka-transactions' global options, taken by every `transactions` subcommand. */
export const transactionsFlags = {
  ...connectionFlags,
  'command-config': Flags.string({
    description: 'Property file containing configs to be passed to the admin client.',
    helpValue: '<command config property file>',
  }),
}
