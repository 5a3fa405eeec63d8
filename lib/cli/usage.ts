/** The usage text, made from the commands, the options and the backend URL forms themselves. */
import { BACKEND_URL_FORMS } from '../backend-url.js'
import { CACHE_ENV, OPTIONS } from './args.js'
import { COMMANDS } from './commands.js'

export const PROGRAM = 'undici-client-cache'

/** The width the usage text is wrapped to. */
const WIDTH = 80

/** `text`, then `help` from column `at` (on a line of its own when `text` reaches that column), wrapped at {@link WIDTH}. */
function item (text: string, help: string, at: number): string {
  const indent = ' '.repeat(at)
  const lines: string[] = []
  if (text.length + 2 > at) lines.push(text)
  let line = text.length + 2 > at ? indent : text.padEnd(at)
  for (const word of help.split(' ')) {
    if (line.length > at && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = indent
    }
    line += line.length > at ? ` ${word}` : word
  }
  lines.push(line)
  return lines.map((done) => `${done}\n`).join('')
}

export function usage (): string {
  const forms = BACKEND_URL_FORMS.map(([form, note]) => item(`  ${form}`, note, 6)).join('')
  const commands = COMMANDS.map((command) => item(`  ${command.synopsis}`, command.summary, 34)).join('')
  const options = Object.entries(OPTIONS).map(([name, spec]) => {
    const short = 'short' in spec ? `-${spec.short}, ` : ''
    const value = 'value' in spec ? ` ${spec.value}` : ''
    return item(`  ${short}--${name}${value}`, spec.help, 22)
  }).join('')
  return `Usage: ${PROGRAM} [--cache URL | URL] COMMAND [options]

Looks into an undici-client-cache cache, and cleans it up.

The cache is given by --cache URL, by its URL as the first argument, or by the
environment variable ${CACHE_ENV}. Its URL is one of:
${forms}
Commands:
${commands}
Options:
${options}
Exit status: 0 done, 1 failed (the store could not be reached, show found
nothing, ...), 2 called wrongly.
`
}
