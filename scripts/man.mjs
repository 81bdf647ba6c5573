// Regenerates man/ from the oclif manifest (run `npm run build` first; `npm run man` does both).
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {manPages} from '../dist/cli/man-page.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
const dir = join(root, 'man')
mkdirSync(dir, {recursive: true})
for (const file of readdirSync(dir)) if (file.endsWith('.1')) rmSync(join(dir, file))
const pages = manPages(manifest)
for (const [file, text] of pages) writeFileSync(join(dir, file), text)
process.stderr.write(`man: wrote ${pages.size} pages to man/\n`)
