'use strict'
// V8's code cache for kafkalite's bundles: the build runs each command once with KAFKALITE_CODE_CACHE=write and
// stores the compiled code next to each bundle file (dist/bundle/*.cjs.cache); later runs hand it to V8 instead of
// parsing and compiling ~300 KB of JavaScript again (Node 20 has no module.enableCompileCache). A cache made by
// another Node version is rejected by V8 and the file is simply compiled; nothing is ever written at run time.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const bundleDir = path.join(__dirname, '..', 'dist', 'bundle') + path.sep
const writing = process.env.KAFKALITE_CODE_CACHE === 'write'
const compiled = []
const original = Module.prototype._compile

// The bundles' dynamic imports (the daemon, the lag viewer) go through vm's USE_MAIN_CONTEXT_DEFAULT_LOADER, which
// Node 20 flags as experimental once per process: a notice for us, not for the user's terminal.
const emitWarning = process.emitWarning
process.emitWarning = function (warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning && warning.message
  if (typeof text === 'string' && text.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return
  return emitWarning.call(process, warning, ...rest)
}

Module.prototype._compile = function (content, filename) {
  if (!filename.startsWith(bundleDir)) return original.call(this, content, filename)
  let cachedData
  if (!writing) {
    try {
      cachedData = fs.readFileSync(`${filename}.cache`)
    } catch {
      // no cache: compile as usual
    }
  }
  const script = new vm.Script(Module.wrap(content), {
    filename,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (writing) compiled.push([filename, script])
  const wrapper = script.runInThisContext({displayErrors: true})
  const require = (id) => this.require(id)
  require.resolve = (request, options) => Module._resolveFilename(request, this, false, options)
  require.cache = Module._cache
  require.main = process.mainModule
  return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename))
}

if (writing) {
  // After the run, so that the functions it compiled lazily are in the cache too.
  process.once('exit', () => {
    for (const [filename, script] of compiled) fs.writeFileSync(`${filename}.cache`, script.createCachedData())
  })
}
