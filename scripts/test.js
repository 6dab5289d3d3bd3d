// `npm test`: build the site when needed (the page and browser tests use the real build),
// type-check, then run every vitest project.
import { execFileSync } from 'node:child_process'
import { buildIfNeeded } from './build-if-needed.js'

buildIfNeeded()
execFileSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' })
try {
  execFileSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' })
} catch {
  process.exit(1)
}
