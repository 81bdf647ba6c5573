import type {Database} from 'better-sqlite3'
import {up as init} from './0010-init.js'
import {up as consumerGroups} from './0020-consumer-groups.js'
import {up as transactions} from './0030-transactions.js'
import {up as lagHistory} from './0040-lag-history.js'
import {up as batchParts} from './0050-batch-parts.js'
import {up as scramCredentials} from './0060-scram-credentials.js'
import {up as schemaRegistry} from './0070-schema-registry.js'
import {up as logSegments} from './0080-log-segments.js'
import {up as clientQuotas} from './0090-client-quotas.js'

export interface Migration {
  version: number
  name: string
  up: (db: Database) => void
}

/** Every migration, in order. Versions go up in tens to leave room for fixes in between. */
export const MIGRATIONS: readonly Migration[] = [
  {version: 10, name: '0010-init', up: init},
  {version: 20, name: '0020-consumer-groups', up: consumerGroups},
  {version: 30, name: '0030-transactions', up: transactions},
  {version: 40, name: '0040-lag-history', up: lagHistory},
  {version: 50, name: '0050-batch-parts', up: batchParts},
  {version: 60, name: '0060-scram-credentials', up: scramCredentials},
  {version: 70, name: '0070-schema-registry', up: schemaRegistry},
  {version: 80, name: '0080-log-segments', up: logSegments},
  {version: 90, name: '0090-client-quotas', up: clientQuotas},
]
