// npm run bench:pdf — the handbook PDF: cold render time and peak memory for the full
// current edition, and serving it from the cache over HTTP. Prints a table and writes it to
// bench/results/local/pdf.md (untracked), or with --save to the committed bench/results/pdf.md.
import './quiet'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { currentEditionInput } from '#server/pdf/editions'
import { renderHandbookPdf } from '#server/pdf/handbook-pdf'
import { createSite } from '#server/site'
import { writeReport } from './report'

const coldRuns = Number(process.env.BENCH_RUNS ?? 5)
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-pdf-'))
const database = await openDatabase({ dataDir: 'memory://' })
await importContentIfEmpty(database.db, readConfig().contentDir)
const { input } = await currentEditionInput(database.db, 'http://localhost:3000')

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]
const rssMb = () => process.memoryUsage().rss / 1024 / 1024

// Cold renders: the full layout, twice over (the table of contents needs its page numbers).
const renderTimes: number[] = []
let peakRss = rssMb()
const baseline = rssMb()
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb())), 5)
let bytes = 0
for (let run = 0; run < coldRuns; run++) {
  const started = performance.now()
  bytes = (await renderHandbookPdf(input)).length
  renderTimes.push(performance.now() - started)
}
clearInterval(sampler)

// Cached serving over HTTP: full downloads and revalidations (304) against the real site.
const build = (await import(path.resolve('build/server/index.js'))) as ServerBuild
const site = await createSite({ database, remix: { build }, dataDir, publicUrl: 'http://localhost:3000' })
await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(site.server.address() as AddressInfo).port}/handreiking.pdf`
const first = await fetch(url)
const etag = first.headers.get('etag')!
await first.arrayBuffer()
const timed = async (init?: RequestInit) => {
  const started = performance.now()
  const response = await fetch(url, init)
  await response.arrayBuffer()
  return performance.now() - started
}
const downloads: number[] = []
const revalidations: number[] = []
for (let index = 0; index < 100; index++) downloads.push(await timed())
for (let index = 0; index < 100; index++) revalidations.push(await timed({ headers: { 'If-None-Match': etag } }))
const burstStarted = performance.now()
await Promise.all(Array.from({ length: 50 }, () => timed()))
const burstMs = performance.now() - burstStarted
await site.close()
await database.close()
await rm(dataDir, { recursive: true, force: true })

const rows = [
  ['cold render (2 layout passes)', `${coldRuns} runs`, percentile(renderTimes, 50).toFixed(0), Math.max(...renderTimes).toFixed(0), `${(bytes / 1024).toFixed(0)} KB, ${input.sections.length} sections`],
  ['peak RSS during renders', '', '', '', `${peakRss.toFixed(0)} MB (baseline ${baseline.toFixed(0)} MB)`],
  ['cached download (200)', '100 sequential', percentile(downloads, 50).toFixed(1), percentile(downloads, 99).toFixed(1), ''],
  ['revalidation (304)', '100 sequential', percentile(revalidations, 50).toFixed(1), percentile(revalidations, 99).toFixed(1), ''],
  ['burst of 50 concurrent downloads', '1 burst', '', burstMs.toFixed(0), `renders during bench: ${site.pdf.renders}`],
]
const header = ['what', 'n', 'p50 ms', 'max/p99 ms', 'notes']
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
const report = `# bench:pdf — ${new Date().toISOString()}\n\nFull current edition from content/, in-process pdfkit, ${os.cpus().length} CPUs, Node ${process.version}.\n\n${table}\n`
await writeReport('pdf', report)
process.exit(0)
