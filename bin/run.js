#!/usr/bin/env node
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
require('./code-cache.cjs')
await require('../dist/bundle/main.cjs').run(import.meta.url)
