// The flag sets that several commands share, defined once so that their names, descriptions and help values stay
// the same everywhere (the man pages are generated from them).
import {Flags} from '@oclif/core'

/** `--bootstrap-server` and its old alias, accepted by every Kafka-shaped command. */
export const connectionFlags = {
  'bootstrap-server': Flags.string({
    description:
      'The Kafka server(s) to connect to, host:port[,host:port]. Default: the local broker, which also answers to its listener addresses and to localhost:9092 while nothing listens there; any other address is a Kafka cluster.',
    helpValue: '<host:port>',
    env: 'KAFKALITE_BOOTSTRAP_SERVER',
  }),
  'broker-list': Flags.string({
    description: 'Deprecated alias of --bootstrap-server (kept for old scripts).',
    helpValue: '<host:port>',
    hidden: true,
  }),
}

/** kafka-topics' and kafka-consumer-groups' `--command-config`: the Admin client's settings (request.timeout.ms, ...). */
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
