// Man pages generated from the oclif manifest (the command definitions themselves), so --help and man(1) cannot
// drift apart. `npm run man` writes them to man/; a test regenerates them and fails when the checked-in pages differ.

/** The parts of oclif's manifest a man page needs. */
export interface ManifestCommand {
  id: string
  description?: string
  summary?: string
  examples?: (string | {command: string; description?: string})[]
  hidden?: boolean
  flags: Record<
    string,
    {
      name: string
      char?: string
      description?: string
      helpValue?: string | string[]
      type: 'boolean' | 'option'
      hidden?: boolean
      multiple?: boolean
      options?: string[]
      default?: unknown
      allowNo?: boolean
    }
  >
  args: Record<string, {name: string; description?: string; required?: boolean}>
}

export interface Manifest {
  version: string
  commands: Record<string, ManifestCommand>
}

const BIN = 'kafkalite'

/** Escapes text for roff: backslashes, and lines that would start with a control character. */
function roff(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n')
}

function render(template: string, id: string): string {
  return template.replaceAll('<%= config.bin %>', BIN).replaceAll('<%= command.id %>', id)
}

/** The file name of a command's page: kafkalite-topics.1, kafkalite-daemon-start.1. */
export function manPageName(id: string): string {
  return `${BIN}-${id.replaceAll(':', '-').replaceAll(' ', '-')}.1`
}

function paragraphs(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => roff(p.replace(/\n/g, ' ')))
    .join('\n.PP\n')
}

/** One command's page. */
export function commandPage(cmd: ManifestCommand, version: string): string {
  const name = cmd.id.replaceAll(':', ' ')
  const [summary = '', ...rest] = (cmd.description ?? '').trim().split('\n')
  const flags = Object.values(cmd.flags)
    .filter((f) => !f.hidden)
    .sort((a, b) => a.name.localeCompare(b.name))
  const args = Object.values(cmd.args)
  const out = [
    `.TH ${manPageName(cmd.id).replace(/\.1$/, '').toUpperCase()} 1 "" "${BIN} ${version}" "kafkalite manual"`,
    '.SH NAME',
    `${roff(`${BIN}-${name.replaceAll(' ', '-')}`)} \\- ${roff(summary.replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    `.B ${BIN} ${roff(name)}`,
    ...args.map((a) =>
      a.required ? `\\fI${roff(a.name.toUpperCase())}\\fR` : `[\\fI${roff(a.name.toUpperCase())}\\fR]`,
    ),
    flags.length > 0 ? '[\\fIOPTIONS\\fR]' : '',
    '.SH DESCRIPTION',
    paragraphs([summary, ...rest].join('\n')),
  ]
  if (args.length > 0) {
    out.push('.SH ARGUMENTS')
    for (const a of args) out.push('.TP', `.I ${roff(a.name.toUpperCase())}`, roff(a.description ?? ''))
  }
  if (flags.length > 0) {
    out.push('.SH OPTIONS')
    for (const f of flags) {
      const value = f.type === 'option' ? ` \\fI${roff(String(f.helpValue ?? `<${f.name}>`))}\\fR` : ''
      const short = f.char ? `\\fB\\-${f.char}\\fR, ` : ''
      let description = f.description ?? ''
      if (f.options) description += ` One of: ${f.options.join(', ')}.`
      if (f.default !== undefined && f.type === 'option') description += ` Default: ${String(f.default)}.`
      if (f.multiple) description += ' May be given more than once.'
      out.push('.TP', `${short}\\fB\\-\\-${roff(f.name)}\\fR${value}`, roff(description.trim()))
    }
  }
  const examples = (cmd.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command))
  if (examples.length > 0) {
    out.push('.SH EXAMPLES')
    for (const e of examples) out.push('.PP', '.nf', `.RS 4`, roff(render(e, name)), '.RE', '.fi')
  }
  out.push(...COMMON_SECTIONS)
  return out.filter((l) => l !== '').join('\n') + '\n'
}

const COMMON_SECTIONS = [
  '.SH EXIT STATUS',
  '.TP',
  '.B 0',
  'Success.',
  '.TP',
  '.B 1',
  'An error at run time: a refused request, a missing topic, an unreachable broker. One line on standard error names the bad value and what to do (a JSON object under \\-\\-json).',
  '.TP',
  '.B 2',
  'A usage error: an unknown or invalid option or argument.',
  '.SH ENVIRONMENT',
  '.TP',
  '.B KAFKALITE_HOME',
  'The broker home: its database, socket, pid file, log and optional server.properties. Default: $XDG_STATE_HOME/kafkalite, else ~/.local/state/kafkalite. Two homes are two independent brokers.',
  '.TP',
  '.B KAFKALITE_BOOTSTRAP_SERVER',
  'Default of \\-\\-bootstrap\\-server.',
  '.SH SEE ALSO',
  '.BR kafkalite (1),',
  '.BR kafkalite\\-topics (1),',
  '.BR kafkalite\\-console\\-producer (1),',
  '.BR kafkalite\\-console\\-consumer (1),',
  '.BR kafkalite\\-daemon\\-start (1)',
]

/** The overview page, kafkalite(1): every command with its one-line summary. */
export function overviewPage(manifest: Manifest): string {
  const commands = Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => a.id.localeCompare(b.id))
  const out = [
    `.TH KAFKALITE 1 "" "${BIN} ${manifest.version}" "kafkalite manual"`,
    '.SH NAME',
    "kafkalite \\- Kafka's semantics and Kafka's commands in milliseconds, on a local broker",
    '.SH SYNOPSIS',
    '.B kafkalite',
    '\\fICOMMAND\\fR [\\fIOPTIONS\\fR]',
    '.SH DESCRIPTION',
    roff(
      "kafkalite runs a Kafka-compatible broker as a background daemon on a Unix socket, keeping partition logs in SQLite, and mirrors Apache Kafka's command-line tools: their options, their output formats and their error texts. The daemon starts on demand. No network port is opened.",
    ),
    '.SH COMMANDS',
  ]
  for (const c of commands) {
    const summary = (c.description ?? '').trim().split('\n')[0] ?? ''
    out.push('.TP', `.BR ${manPageName(c.id).replace(/\.1$/, '').replaceAll('-', '\\-')} (1)`, roff(summary))
  }
  out.push(...COMMON_SECTIONS.slice(0, COMMON_SECTIONS.indexOf('.SH SEE ALSO')))
  return out.join('\n') + '\n'
}

/** Every page: file name to content. */
export function manPages(manifest: Manifest): Map<string, string> {
  const pages = new Map<string, string>([['kafkalite.1', overviewPage(manifest)]])
  for (const cmd of Object.values(manifest.commands)) {
    if (!cmd.hidden) pages.set(manPageName(cmd.id), commandPage(cmd, manifest.version))
  }
  return pages
}
