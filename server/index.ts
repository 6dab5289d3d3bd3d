import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { logger } from '#server/logger'
import { createSite } from '#server/site'

const config = readConfig()
const development = process.argv.includes('--dev')

const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR })
logger.info({ mode: database.mode, dataDir: database.mode === 'embedded' ? config.DATA_DIR : undefined }, 'database ready, migrations applied')

const imported = await importContentIfEmpty(database.db, config.contentDir)
if (imported.imported) logger.info(imported, 'content imported')

const remix = development
  ? { vite: await (await import('vite')).createServer({ server: { middlewareMode: true } }) }
  : { build: (await import(path.resolve('build/server/index.js'))) as ServerBuild }

if (config.publicUrlIsDefault) {
  logger.warn(`PUBLIC_URL is not set: links in mails point at ${config.publicUrl}, and live editing works only when the site is opened there. Set PUBLIC_URL to the address visitors use, e.g. https://lokaalsamenwerken.nl`)
}
const site = await createSite({ database, remix, publicUrl: config.publicUrl, publicUrlIsDefault: config.publicUrlIsDefault, trustProxy: config.TRUST_PROXY, dataDir: config.DATA_DIR, s3: config.s3 })
site.server.listen(config.PORT, () => {
  logger.info(`Levende Handreiking draait op http://localhost:${config.PORT}`)
})

// Write every live document and close the database on the way out: PGlite flushes its files on close.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down')
    site
      .close()
      .then(() => database.close())
      .finally(() => process.exit(0))
  })
}
