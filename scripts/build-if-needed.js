// Builds the Remix app when build/ is missing or older than any source it is made from,
// so `npm start` and `npm test` work on a fresh clone and stay fast afterwards.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const builtFile = 'build/server/index.js'
const sources = ['app', 'public', 'vite.config.ts', 'package-lock.json']

function newestChange(entry) {
  if (!existsSync(entry)) return 0
  const stat = statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))))
}

export function buildIfNeeded() {
  const builtAt = existsSync(builtFile) ? statSync(builtFile).mtimeMs : 0
  // The server bundle also contains the server/ modules that routes import.
  const changedAt = Math.max(...[...sources, 'server'].map(newestChange))
  if (builtAt > changedAt) return
  console.log('Building the site (remix vite:build)…')
  execFileSync('npx', ['remix', 'vite:build'], { stdio: 'inherit' })
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfNeeded()
