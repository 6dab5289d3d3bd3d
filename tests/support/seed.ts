import { readFileSync } from 'node:fs'
import path from 'node:path'

/** The handbook as delivered (tests/fixtures/README.md says where it comes from), the yardstick for the import. */
export const seedText = readFileSync(path.resolve(import.meta.dirname, '../fixtures/handreiking-2014.txt'), 'utf8')

const seedLines = seedText.split('\n').map((line) => line.trim())
const tocStart = seedLines.indexOf('Inhoudsopgave')
const bodyStart = seedLines.indexOf('Voor wie?', tocStart + 1 + seedLines.slice(tocStart + 1).indexOf('Voor wie?') + 1)

/** Table-of-contents lines without their printed page numbers, e.g. "2.1 Voor burgers/zorgvragers". */
export const seedTableOfContents = seedLines
  .slice(tocStart + 1, bodyStart)
  .filter((line) => /\t\d+$/.test(line))
  .map((line) => line.replace(/\t\d+$/, ''))
  // The printed table of contents misspells this heading; the section itself is right (tests/fixtures/README.md).
  .map((line) => line.replace('4.9 Waarden en belonen', '4.9 Waarderen en belonen'))

/** Every paragraph of the body, as plain text: no Markdown stars, list numbers or the speakers' colons. */
export const seedParagraphs = seedLines
  .slice(bodyStart)
  .filter((line) => line.length > 0)
  .map((line) => line.replace(/^- \d+\.\*\* /, '').replaceAll('**', '').replace(/:$/, ''))

export function normalise(text: string) {
  return text.replace(/\s+/g, ' ').trim()
}
