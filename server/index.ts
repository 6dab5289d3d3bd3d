import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo, Server as NetServer } from 'node:net'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { startAdminSocket } from '#server/admin-socket'
import { readConfig } from '#server/config'
import { openDatabase, type DatabaseHandle } from '#server/db/client'
import { DataDirInUseError } from '#server/db/data-dir-lock'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { logger } from '#server/logger'
import { RedisUnavailableError } from '#server/redis'
import { createSite, type Site } from '#server/site'

const config = readConfig()
const development = process.argv.includes('--dev')

let database: DatabaseHandle | undefined
let site: Site | undefined
let admin: NetServer | null = null
let vite: { close: () => Promise<void> } | undefined

// One shutdown, however many signals arrive: `npm start` (scripts/start.js) forwards the signal it
// gets, and a Ctrl-C or `kill -- -<pgid>` also reaches this process directly.
let shutdown: Promise<void> | undefined
let signalsReceived = 0
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => onSignal(signal))

function onSignal(signal: NodeJS.Signals) {
  signalsReceived += 1
  if (!shutdown) {
    logger.info({ signal }, 'shutting down')
    // A shutdown that hangs (a database that no longer answers) must still end.
    setTimeout(() => forceExit('shutdown took longer than 60 s'), 60_000).unref()
    shutdown = stop().then(
      () => {
        logger.info('stopped: live documents written, database closed')
        process.exit(0)
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  } else if (signalsReceived === 2) {
    logger.info({ signal }, 'shutdown already under way; writing live documents (a third signal stops after at most 10 s)')
  } else if (signalsReceived === 3) {
    logger.warn({ signal }, 'third signal: stopping in at most 10 s, finished or not')
    setTimeout(() => forceExit('forced by a third signal'), 10_000).unref()
  }
}

function forceExit(reason: string) {
  logger.error({ reason }, 'exiting before the shutdown finished; live documents may have lost their last seconds')
  process.exit(1)
}

/** Stops whatever has started, in order: no new connections, live documents written and sockets closed, then the database. */
async function stop() {
  await started.catch(() => {})
  await new Promise((resolve) => (admin ? admin.close(resolve) : resolve(undefined)))
  if (site) await site.close()
  else await new Promise((resolve) => http.close(resolve))
  await vite?.close()
  await database?.close()
}

/** A refusal to start, for the operator: one plain line on stderr (and in the log), exit code 1, nothing touched. */
function refuseToStart(message: string): never {
  logger.fatal(message)
  process.stderr.write(message + '\n')
  process.exit(1)
}

// Take the port before touching the data: a port in use must leave DATA_DIR alone.
const http = createServer()
const whileStarting: RequestListener = (_request, response) => {
  if (http.listenerCount('request') > 1) return // the site has taken over
  response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' })
  response.end('De site start op; probeer het over een paar seconden opnieuw.\n')
}
http.on('request', whileStarting)
await new Promise<void>((resolve, reject) => {
  const refused = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') refuseToStart(`Poort ${config.PORT} is al in gebruik (draait de server al?). Er is niets gestart en niets aan ${config.DATA_DIR} veranderd. Stop dat proces of kies een andere PORT.`)
    if (error.code === 'EACCES') refuseToStart(`Geen toestemming om op poort ${config.PORT} te luisteren. Kies een PORT boven 1023.`)
    reject(error)
  }
  http.once('error', refused)
  http.listen(config.PORT, () => {
    http.off('error', refused)
    resolve()
  })
})
const port = (http.address() as AddressInfo).port
// Without PUBLIC_URL, links name the port actually taken (PORT=0 picks a free one).
const publicUrl = config.publicUrlIsDefault ? `http://localhost:${port}` : config.publicUrl

const started = (async () => {
  try {
    database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR })
  } catch (error) {
    if (error instanceof DataDirInUseError) refuseToStart(error.message)
    throw error
  }
  logger.info({ mode: database.mode, dataDir: database.mode === 'embedded' ? config.DATA_DIR : undefined }, 'database ready, migrations applied')

  const imported = await importContentIfEmpty(database.db, config.contentDir)
  if (imported.imported) logger.info(imported, 'content imported')

  const remix = development
    ? { vite: await (await import('vite')).createServer({ server: { middlewareMode: true } }) }
    : { build: (await import(path.resolve('build/server/index.js'))) as ServerBuild }
  if ('vite' in remix) vite = remix.vite

  if (config.publicUrlIsDefault) {
    logger.warn(`PUBLIC_URL is not set: links in mails point at ${publicUrl}, and live editing works only when the site is opened there. Set PUBLIC_URL to the address visitors use, e.g. https://lokaalsamenwerken.nl`)
  }
  try {
    site = await createSite({ database, remix, server: http, publicUrl, publicUrlIsDefault: config.publicUrlIsDefault, trustProxy: config.TRUST_PROXY, dataDir: config.DATA_DIR, s3: config.s3, clamdUrl: config.CLAMD_URL, redis: config.redis, mail: { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM } })
  } catch (error) {
    if (error instanceof RedisUnavailableError) refuseToStart(error.message)
    throw error
  }
  http.off('request', whileStarting)
  admin = await startAdminSocket({ dataDir: config.DATA_DIR, db: database.db, publicUrl: () => publicUrl, exclusive: database.mode === 'embedded' })
  logger.info(`Levende Handreiking draait op http://localhost:${port}`)
})()
await started
