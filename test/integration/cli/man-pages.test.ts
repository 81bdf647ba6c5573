import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {manPageName, manPages, type Manifest} from '../../../src/cli/man-page.js'
import {ROOT} from '../../helpers/env.js'

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as Manifest
const commands = Object.values(manifest.commands).filter((c) => !c.hidden)

describe('man pages', () => {
  it.each(commands.map((c) => [c.id, c] as const))('has a page for %s naming every flag', (_id, command) => {
    const file = join(ROOT, 'man', manPageName(command.id))
    expect(existsSync(file), `${file} is missing: run npm run man`).toBe(true)
    const page = readFileSync(file, 'utf8')
    for (const flag of Object.values(command.flags)) {
      if (flag.hidden) continue
      expect(page, `--${flag.name} is missing from ${file}`).toContain(`\\-\\-${flag.name.replaceAll('-', '\\-')}`)
    }
  })

  it('matches what the command definitions generate (run npm run man after changing a command)', () => {
    const pages = manPages(manifest)
    const onDisk = readdirSync(join(ROOT, 'man')).filter((f) => f.endsWith('.1'))
    expect(onDisk.sort()).toEqual([...pages.keys()].sort())
    for (const [file, text] of pages) expect(readFileSync(join(ROOT, 'man', file), 'utf8'), file).toBe(text)
  })
})
