// Where a broker lives. A home directory (KAFKALITE_HOME) holds the database, the socket, the pid file, the log and
// the optional server.properties; two homes are two independent brokers. The home and the socket belong to the
// user alone: the directory is 0700, the socket 0600, and a home owned by someone else is refused.
import {createHash} from 'node:crypto'
import {
  accessSync,
  chmodSync,
  constants as fsConstants,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {KafkaException} from './errors.js'

/** Every file of one broker home. */
export interface BrokerPaths {
  home: string
  db: string
  socket: string
  pidFile: string
  log: string
  properties: string
}

// sun_path is 108 bytes on Linux and 104 on macOS and the BSDs, including the terminating NUL.
const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103

/** The home: $KAFKALITE_HOME, else $XDG_STATE_HOME/kafkalite, else ~/.local/state/kafkalite. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAFKALITE_HOME) return resolve(env.KAFKALITE_HOME)
  const state =
    env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local/state')
  return join(state, 'kafkalite')
}

/** The paths of a home. The socket sits in the home unless that path is too long for a Unix socket. */
export function brokerPaths(home: string): BrokerPaths {
  return {
    home,
    db: join(home, 'kafkalite.db'),
    socket: socketPath(home),
    pidFile: join(home, 'daemon.pid'),
    log: join(home, 'daemon.log'),
    properties: join(home, 'server.properties'),
  }
}

function socketPath(home: string): string {
  const inHome = join(home, 'kafkalite.sock')
  if (Buffer.byteLength(inHome) <= SOCKET_PATH_MAX) return inHome
  // A deep home (long CI workspace paths) cannot hold its socket: use a per-user runtime directory instead, named
  // after a hash of the home so that every process finds the same socket for the same home.
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 16)
  const runtime = process.env.XDG_RUNTIME_DIR?.startsWith('/') ? process.env.XDG_RUNTIME_DIR : tmpdir()
  const short = join(runtime, `kafkalite-${process.getuid?.() ?? 0}`, `${hash}.sock`)
  if (Buffer.byteLength(short) <= SOCKET_PATH_MAX) return short
  throw new KafkaException(
    'SOCKET_PATH_TOO_LONG',
    `The socket path '${inHome}' is longer than the ${SOCKET_PATH_MAX}-byte Unix socket limit, and so is the fallback '${short}'. Set KAFKALITE_HOME or XDG_RUNTIME_DIR to a shorter directory.`,
  )
}

/**
 * Creates a directory with mode 0700 if it is missing, and refuses one that another user owns or that other users
 * can enter: the socket inside accepts every request, so access to the directory is access to the broker.
 */
export function ensurePrivateDir(dir: string, what = 'KAFKALITE_HOME'): void {
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700})
  } catch (error) {
    // The first directory that exists on the way tells why, better than mkdir's errno (ENOENT on a read-only mount).
    let parent = dirname(dir)
    while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent)
    const why = unwritable(parent)
    throw new KafkaException(
      'HOME_NOT_USABLE',
      why === null
        ? `Cannot create ${what} '${dir}': ${(error as Error).message}`
        : `Cannot create ${what} '${dir}': '${parent}' ${why}. Set KAFKALITE_HOME to a writable directory.`,
    )
  }
  checkPrivateDir(dir, what)
}

/**
 * Refuses a home the broker cannot write (a read-only mount, a directory without write permission) in one line,
 * before a daemon is started there: the database, the log and the socket live in it.
 */
export function checkWritableHome(home: string, what = 'KAFKALITE_HOME'): void {
  const why = unwritable(home)
  if (why === null) return
  throw new KafkaException(
    'HOME_NOT_USABLE',
    why === READ_ONLY
      ? `${what} '${home}' ${why}: kafkalite keeps the broker's data, log and socket there. Remount it read-write, or set KAFKALITE_HOME to a writable directory.`
      : `${what} '${home}' ${why}: kafkalite keeps the broker's data, log and socket there. Run 'chmod 700 ${home}', or set KAFKALITE_HOME to a writable directory.`,
  )
}

const READ_ONLY = 'is on a read-only file system'

/** Why a directory cannot be written to, as the end of a sentence; null when it can. */
function unwritable(dir: string): string | null {
  try {
    accessSync(dir, fsConstants.W_OK)
    return null
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EROFS') return READ_ONLY
    if (code === 'EACCES' || code === 'EPERM') return 'is not writable by you'
    return null
  }
}

/**
 * Refuses a directory owned by another user or open to group/others (see ensurePrivateDir), or that is a symbolic
 * link another user owns (they could point it elsewhere at any moment). A link of your own is followed.
 */
export function checkPrivateDir(dir: string, what = 'KAFKALITE_HOME'): void {
  const link = lstatSync(dir)
  const me = process.getuid?.()
  if (link.isSymbolicLink() && me !== undefined && link.uid !== me) {
    const remedy =
      what === 'the socket directory'
        ? 'Remove it, or set XDG_RUNTIME_DIR to a directory of your own.'
        : 'Use a directory of your own.'
    throw new KafkaException(
      'HOME_NOT_USABLE',
      `${what} '${dir}' is a symbolic link owned by uid ${link.uid}, not by you (uid ${me}). ${remedy}`,
    )
  }
  const stat = statSync(dir)
  if (!stat.isDirectory()) throw new KafkaException('HOME_NOT_USABLE', `${what} '${dir}' is not a directory.`)
  const uid = process.getuid?.()
  if (uid !== undefined && stat.uid !== uid) {
    throw new KafkaException(
      'HOME_NOT_USABLE',
      `${what} '${dir}' is owned by uid ${stat.uid}, not by you (uid ${uid}). Use a directory of your own.`,
    )
  }
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0')
    throw new KafkaException(
      'HOME_NOT_USABLE',
      `${what} '${dir}' has mode ${mode}, so other users can reach the broker. Run 'chmod 700 ${dir}' or use another directory.`,
    )
  }
}

const linkRefused = (path: string) =>
  new KafkaException(
    'HOME_NOT_USABLE',
    `'${path}' is a symbolic link: kafkalite does not follow links in its home. Remove it.`,
  )

/** Refuses a symbolic link at `path` (a file of the home kafkalite creates or opens: log, pid file, socket). */
export function refuseLink(path: string): void {
  let link
  try {
    link = lstatSync(path)
  } catch {
    return // nothing there
  }
  if (link.isSymbolicLink()) throw linkRefused(path)
}

/**
 * Opens a file of the home without following a symbolic link in its place (O_NOFOLLOW), creating it 0600; a file
 * of ours that is open to others (left by an older kafkalite) is made 0600.
 */
export function openPrivateFile(path: string, flags: 'append' | 'write' | 'read'): number {
  const {O_APPEND, O_CREAT, O_NOFOLLOW, O_RDONLY, O_TRUNC, O_WRONLY} = fsConstants
  const mode =
    flags === 'append' ? O_WRONLY | O_APPEND | O_CREAT : flags === 'write' ? O_WRONLY | O_TRUNC | O_CREAT : O_RDONLY
  let fd: number
  try {
    fd = openSync(path, mode | O_NOFOLLOW, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefused(path)
    throw error
  }
  if (flags !== 'read') {
    const stat = fstatSync(fd)
    if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) fchmodSync(fd, 0o600)
  }
  return fd
}

/** Makes a file of ours that others can read 0600 (a symbolic link is left alone: its target is not the home's). */
export function tightenFile(path: string): void {
  try {
    const stat = lstatSync(path)
    if (stat.isFile() && (stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(path, 0o600)
  } catch {
    // not there
  }
}
