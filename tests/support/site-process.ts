// A real server process for crash tests: `node --import tsx tests/support/site-process.ts <port> <dataDir|url>`.
// Prints "ready" once it listens. The parent kills it with SIGKILL and starts it again.
// On stdin, "flush <document>" writes what the server holds of that live document and answers
// "flushed <document>", so a test can wait for "stored" instead of sleeping past the write window.
// With REDIS_URL (and REDIS_PREFIX) in its environment it runs in several-process mode, as `npm start` does;
// PUBLIC_URL, when given, is the one address several processes share behind a proxy;
// TEST_WRITE_WINDOW_MS stretches its write window (a process that has written nothing when it is killed).
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { ServerBuild } from '@remix-run/node'
import { openDatabase } from '#server/db/client'
import { readConfig } from '#server/config'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { createSite } from '#server/site'

const [port, location] = process.argv.slice(2)
const database = await openDatabase(location.startsWith('postgres') ? { url: location, dataDir: '' } : { dataDir: location })
await importContentIfEmpty(database.db, readConfig().contentDir)
const build = (await import(path.resolve('build/server/index.js'))) as ServerBuild
const site = await createSite({ database, remix: { build }, dataDir: location.startsWith('postgres') ? readConfig().DATA_DIR : location, publicUrl: process.env.PUBLIC_URL || `http://127.0.0.1:${port}`, redis: readConfig().redis, collab: { writeWindowMs: Number(process.env.TEST_WRITE_WINDOW_MS ?? 100), unloadAfterMs: 60_000 } })
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, document] = line.split(' ')
  if (command !== 'flush') return
  await (await site.collab.open(document))?.flush()
  process.stdout.write(`flushed ${document}\n`)
})
site.server.keepAliveTimeout = 120_000 // as in tests/support/server.ts: a busy test process must not race it
site.server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'))
