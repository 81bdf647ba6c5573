// `kafkalite daemon check`: SQLite's integrity_check of a home's database. The running daemon runs it; with none
// running, a process of its own does (the daemon's entry point with the argument --check-database), so that only the daemon's
// code ever opens the database. That is also how a home whose daemon refuses to start (damage found) is checked.
import {spawn} from 'node:child_process'
import {KafkaException, errorFromData} from '../errors.js'
import {codeCacheArgs, daemonEntry} from '../package-info.js'
import {brokerPaths, resolveHome, type BrokerPaths} from '../paths.js'
import type {DatabaseCheckData} from '../protocol/socket/messages.js'
import {DaemonControl} from './daemon-control.js'

export type {DatabaseCheckData}

/** Checks the database of a home (default: $KAFKALITE_HOME or the XDG state directory); never starts a daemon. */
export async function checkDatabase(options: {home?: string} = {}): Promise<DatabaseCheckData> {
  const paths = brokerPaths(options.home ?? resolveHome())
  let control: DaemonControl
  try {
    control = await DaemonControl.open({home: paths.home, autoStart: false})
  } catch (error) {
    if (error instanceof KafkaException && error.code === 'DAEMON_UNAVAILABLE') return checkOffline(paths)
    throw error
  }
  try {
    return await control.checkDatabase()
  } finally {
    control.close()
  }
}

function checkOffline(paths: BrokerPaths): Promise<DatabaseCheckData> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...codeCacheArgs(), daemonEntry(), '--check-database'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, KAFKALITE_HOME: paths.home},
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.once('error', reject)
    child.once('close', (code) => {
      let answer: (DatabaseCheckData & {error?: undefined}) | {error: {code?: string; message?: string}}
      try {
        answer = JSON.parse(Buffer.concat(out).toString('utf8')) as typeof answer
      } catch {
        const why = Buffer.concat(err).toString('utf8').trim().split('\n')[0] || `exit code ${code}`
        reject(new KafkaException('DAEMON_START_FAILED', `The database check of ${paths.home} failed: ${why}`))
        return
      }
      if (answer.error) reject(errorFromData(answer.error))
      else resolve(answer)
    })
  })
}
