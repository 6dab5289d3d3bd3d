// `npm test`: build the site when needed (the page and browser tests use the real build),
// type-check, check that TEST_DATABASE_URL (when set) answers, then run every vitest project.
import { execFileSync } from 'node:child_process'
import postgres from 'postgres'
import { buildIfNeeded } from './build-if-needed.js'

/** The Postgres pass makes a new database per test file through TEST_DATABASE_URL: it must answer. */
async function checkTestDatabase(url) {
  const client = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} })
  try {
    await client`select 1`
  } catch (error) {
    const name = decodeURIComponent(new URL(url).pathname.slice(1))
    const hint =
      error.code === '3D000'
        ? `the server answers but has no database "${name}": create it (psql -h ${new URL(url).hostname} -U postgres -c 'create database ${name}') or point the URL at the database postgres.`
        : 'start that Postgres (or fix the address, user or password).'
    console.error(`\nTEST_DATABASE_URL=${url} does not accept a connection: ${error.message}\nEither ${hint}\nOr unset TEST_DATABASE_URL to run the tests on the embedded PGlite only.\n`)
    process.exit(1)
  } finally {
    await client.end({ timeout: 1 }).catch(() => {})
  }
}

await buildIfNeeded()
execFileSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' })
if (process.env.TEST_DATABASE_URL) await checkTestDatabase(process.env.TEST_DATABASE_URL)
try {
  execFileSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' })
} catch {
  process.exit(1)
}
