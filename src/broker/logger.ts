/** The daemon's log: one line per event on stderr, which a started daemon has redirected to daemon.log. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log = (level: string) => (message: string) => write(`[${new Date().toISOString()}] ${level} ${message}\n`)
  return {info: log('INFO'), warn: log('WARN'), error: log('ERROR')}
}
