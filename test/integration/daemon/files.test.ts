// The files of a home belong to its user alone: created 0600 (the directory 0700), never reached through a symbolic
// link someone could have put in their place, and a socket directory that is someone else's link is refused.
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {TestHome, uniqueTopic} from '../../helpers/env.js'

let home: TestHome
let elsewhere: string

beforeEach(() => {
  home = new TestHome()
  elsewhere = mkdtempSync(join(tmpdir(), 'kl-elsewhere-'))
})

afterEach(async () => {
  await home.cleanup()
  rmSync(elsewhere, {recursive: true, force: true})
})

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0')
const file = (name: string) => join(home.dir, name)
/** Root can make files of another user (nobody); others cannot, and skip what needs it. */
const canChown = process.getuid?.() === 0
const NOBODY = 65534

describe('the files of a home', () => {
  it('are created 0600: the database, its write-ahead log, the log and the pid file', async () => {
    const res = await home.run(['console-producer', '--topic', uniqueTopic()], {input: 'a\nb\n'})
    expect(res.code).toBe(0)
    expect(existsSync(file('kafkalite.db-wal'))).toBe(true)
    expect({
      home: mode(home.dir),
      db: mode(file('kafkalite.db')),
      wal: mode(file('kafkalite.db-wal')),
      log: mode(file('daemon.log')),
      pid: mode(file('daemon.pid')),
      socket: mode(file('kafkalite.sock')),
    }).toEqual({home: '0700', db: '0600', wal: '0600', log: '0600', pid: '0600', socket: '0600'})
  })

  it('tightens a database and log that an older kafkalite left readable by others', async () => {
    await home.run(['topics', '--create', '--topic', uniqueTopic()])
    await home.run(['daemon', 'stop'])
    chmodSync(file('kafkalite.db'), 0o644)
    chmodSync(file('daemon.log'), 0o644)
    expect((await home.run(['topics', '--list'])).code).toBe(0)
    expect([mode(file('kafkalite.db')), mode(file('daemon.log'))]).toEqual(['0600', '0600'])
  })

  it.each(['daemon.log', 'daemon.pid', 'kafkalite.sock'])(
    'refuses a symbolic link in place of %s, and leaves its target alone',
    async (name) => {
      const target = join(elsewhere, 'target')
      writeFileSync(target, 'precious\n', {mode: 0o644})
      symlinkSync(target, file(name))
      const res = await home.run(['topics', '--list'])
      expect(res.code).toBe(1)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).toContain(
        `'${file(name)}' is a symbolic link: kafkalite does not follow links in its home. Remove it.`,
      )
      expect(readFileSync(target, 'utf8')).toBe('precious\n')
      expect(mode(target)).toBe('0644')
    },
  )

  it('refuses something other than a socket at the socket path, instead of deleting it', async () => {
    writeFileSync(file('kafkalite.sock'), 'mine\n')
    const res = await home.run(['topics', '--list'])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain(`'${file('kafkalite.sock')}' is not a socket: move it away`)
    expect(readFileSync(file('kafkalite.sock'), 'utf8')).toBe('mine\n')
  })
})

describe('the socket directory of a deep home', () => {
  /** A home too deep for its socket, whose socket directory is then `<runtime>/kafkalite-<uid>`. */
  function deepHome(): {env: NodeJS.ProcessEnv; socketDir: string} {
    const deep = join(home.dir, 'a'.repeat(60), 'b'.repeat(60))
    mkdirSync(deep, {recursive: true, mode: 0o700})
    const runtime = join(elsewhere, 'run')
    mkdirSync(runtime, {mode: 0o700})
    return {
      env: {KAFKALITE_HOME: deep, XDG_RUNTIME_DIR: runtime},
      socketDir: join(runtime, `kafkalite-${process.getuid!()}`),
    }
  }

  it('is refused when it is a symbolic link owned by another user', async (ctx) => {
    if (!canChown) ctx.skip('making a link of another user needs root: not run')
    const {env, socketDir} = deepHome()
    const mine = join(elsewhere, 'mine')
    mkdirSync(mine, {mode: 0o700})
    symlinkSync(mine, socketDir)
    lchownSync(socketDir, NOBODY, NOBODY)
    const res = await home.run(['topics', '--list'], {env})
    expect(res.code).toBe(1)
    expect(res.stderr).toContain(
      `the socket directory '${socketDir}' is a symbolic link owned by uid ${NOBODY}, not by you (uid ${process.getuid!()}). Remove it, or set XDG_RUNTIME_DIR to a directory of your own.`,
    )
  })

  it("is refused when it is a link to someone else's directory", async (ctx) => {
    if (!canChown) ctx.skip("making another user's directory needs root: not run")
    const {env, socketDir} = deepHome()
    const theirs = join(elsewhere, 'theirs')
    mkdirSync(theirs, {mode: 0o700})
    execFileSync('chown', [`${NOBODY}:${NOBODY}`, theirs])
    symlinkSync(theirs, socketDir)
    const res = await home.run(['topics', '--list'], {env})
    expect(res.code).toBe(1)
    expect(res.stderr).toContain(`the socket directory '${socketDir}' is owned by uid ${NOBODY}, not by you`)
  })

  it('may be a link of your own to a private directory of your own', async () => {
    const {env, socketDir} = deepHome()
    const mine = join(elsewhere, 'mine')
    mkdirSync(mine, {mode: 0o700})
    symlinkSync(mine, socketDir)
    const res = await home.run(['topics', '--list'], {env})
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    await home.run(['daemon', 'stop'], {env})
  })
})
