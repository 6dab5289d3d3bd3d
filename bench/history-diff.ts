// npm run bench:diff — the history page's word diff (server/handbook/text-diff.ts) for texts
// of 1 KB to 200 KB: bounded as the site runs it, and unbounded (capped here so the bench ends).
// Prints a table; writes bench/results/local/history-diff.md, or bench/results/history-diff.md with --save.
import './quiet'
import os from 'node:os'
import { compareTexts, comparisonBounds, type ComparisonBounds } from '#server/handbook/text-diff'
import { dutchParagraphs } from '#tests/support/texts'
import { writeReport } from './report'

const unboundedCapMs = Number(process.env.BENCH_UNBOUNDED_MS ?? 5000)
const unbounded: ComparisonBounds = { maxCharacters: Infinity, timeoutMs: unboundedCapMs }
const sizesKb = [1, 10, 20, 50, 100, 200]

function timed(before: string, after: string, bounds: ComparisonBounds) {
  const started = performance.now()
  const result = compareTexts(before, after, bounds)
  const ms = performance.now() - started
  return `${ms.toFixed(1)}${result.comparable ? '' : ` (${result.reason === 'size' ? 'too large' : 'gave up'})`}`
}

// Warm up the JIT first: a cold first comparison is slower than any later one.
for (let run = 0; run < 20; run++) compareTexts(dutchParagraphs(5000, run).join('\n\n'), dutchParagraphs(5000, run + 1).join('\n\n'), unbounded)

const rows: string[][] = []
for (const kb of sizesKb) {
  // 1 KB = 1,000 characters here, so 50 KB sits exactly at the size bound.
  const characters = kb * 1000
  const text = dutchParagraphs(characters, 1).join('\n\n').slice(0, characters)
  // An ordinary edit: one paragraph rewritten (same length). A rewrite: every paragraph different.
  const paragraphs = text.split('\n\n')
  const middle = Math.floor(paragraphs.length / 2)
  paragraphs[middle] = dutchParagraphs(paragraphs[middle].length, 9).join(' ').slice(0, paragraphs[middle].length)
  const edited = paragraphs.join('\n\n')
  const rewritten = dutchParagraphs(characters, 2).join('\n\n').slice(0, characters)
  rows.push([`${kb} KB`, 'one paragraph changed', timed(text, edited, comparisonBounds), timed(text, edited, unbounded)])
  rows.push([`${kb} KB`, 'rewritten', timed(text, rewritten, comparisonBounds), timed(text, rewritten, unbounded)])
}

const header = ['size of each text', 'change', 'bounded ms', `unbounded ms (cap ${unboundedCapMs} ms)`]
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
const report = `# bench:diff — ${new Date().toISOString()}\n\nBounds: ${comparisonBounds.maxCharacters.toLocaleString('en')} characters per text, ${comparisonBounds.timeoutMs} ms for the diff; one run each, ${os.cpus().length} CPUs, Node ${process.version}.\n\n${table}\n`
console.log(report)
await writeReport('history-diff', report)
