// Builds the site when build/ is missing or older than any source it is made from, so
// `npm start` and `npm test` work on a fresh clone and stay fast afterwards: the Remix app
// (remix vite:build → build/server, build/client) and the server itself, compiled to one
// JavaScript file (build/server-entry.js, and build/pdf-worker.js for the PDF's worker thread),
// so production runs no TypeScript transpiler.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const builtFiles = ['build/server/index.js', 'build/server-entry.js', 'build/pdf-worker.js']
const sources = ['app', 'public', 'server', 'vite.config.ts', 'package-lock.json', 'scripts/build-if-needed.js']

function newestChange(entry) {
  if (!existsSync(entry)) return 0
  const stat = statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))))
}

export async function buildIfNeeded() {
  const builtAt = Math.min(...builtFiles.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)))
  if (builtAt > Math.max(...sources.map(newestChange))) return
  console.log('Building the site (remix vite:build) and the server (esbuild)…')
  execFileSync('npx', ['remix', 'vite:build'], { stdio: 'inherit' })
  // Packages stay in node_modules; only our own modules (and the #app/#server aliases) are bundled.
  // The PDF renders in a worker thread of its own file (server/pdf/editions.ts).
  await build({ entryPoints: { 'server-entry': 'server/index.ts', 'pdf-worker': 'server/pdf/render-worker.ts' }, outdir: 'build', bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' })
}

if (import.meta.url === `file://${process.argv[1]}`) await buildIfNeeded()
