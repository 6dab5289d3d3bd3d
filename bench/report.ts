import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * Prints a benchmark's report and writes it to bench/results/local/<name>.md (ignored by git), or,
 * with `--save`, over the committed bench/results/<name>.md. Returns the file written.
 */
export async function writeReport(name: string, report: string) {
  console.log(report)
  const save = process.argv.includes('--save')
  const folder = save ? 'bench/results' : 'bench/results/local'
  await mkdir(folder, { recursive: true })
  const file = path.join(folder, `${name}.md`)
  await writeFile(file, report)
  console.log(save ? `Saved to ${file} (committed results).` : `Written to ${file} (not committed; run with --save to update bench/results/${name}.md).`)
  return file
}
