import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import type { CollabServer } from '#server/collab/collab-server'
import type { DatabaseHandle } from '#server/db/client'
import { createSite, type Site, type SiteOptions } from '#server/site'
import { createImportedDatabase } from './database'
import { freePort } from './site-process-control'

export type TestServer = { url: string; dataDir: string; site: Site; database: DatabaseHandle; collab: CollabServer; close: () => Promise<void>; closeSite: () => Promise<void>; stop: () => Promise<void> }

/** The real built site (npm test builds it first) on a free port, over a fresh imported database. */
export async function startTestServer(
  options: { database?: DatabaseHandle; collab?: SiteOptions['collab']; mail?: SiteOptions['mail']; port?: number; clamdUrl?: string; scanTimeoutMs?: number; dataDir?: string; s3?: SiteOptions['s3'] } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createImportedDatabase())
  const build = (await import(path.resolve('build/server/index.js'))) as ServerBuild
  // A given data folder is reused, as a restart of the same install would.
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'lh-site-'))
  const { site, url } = await listeningSite({ database, remix: { build }, dataDir, collab: { unloadAfterMs: 500, ...options.collab }, mail: options.mail, clamdUrl: options.clamdUrl, scanTimeoutMs: options.scanTimeoutMs, s3: options.s3 }, options.port)
  /** Closes the site and removes its data folder; the database (shared with the test's other servers) stays open. */
  const closeSite = async () => {
    await site.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return {
    url,
    dataDir,
    site,
    database,
    collab: site.collab,
    /** Stops the site but keeps the database and the data folder, as a restart would. */
    stop: () => site.close(),
    closeSite,
    close: async () => {
      await closeSite()
      await database.close()
    },
  }
}

/**
 * The site's public URL is its own address, as PUBLIC_URL would be in production, so the
 * port is chosen before the site is made; another process may take it first, then try again.
 */
async function listeningSite(options: Omit<SiteOptions, 'publicUrl'>, fixedPort?: number): Promise<{ site: Site; url: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort())
    const url = `http://127.0.0.1:${port}`
    const site = await createSite({ ...options, publicUrl: url })
    // fetch (undici) reuses a kept-alive connection until 1 s before the server's keep-alive timeout
    // (5 s). A test that keeps its event loop busy (parsing a PDF) on a loaded machine misses that
    // moment and sends on a connection the server just closed (ECONNRESET). Idle connections are
    // still closed on stop.
    site.server.keepAliveTimeout = 120_000
    try {
      await new Promise<void>((resolve, reject) => {
        site.server.once('error', reject)
        site.server.listen(port, '127.0.0.1', () => {
          site.server.off('error', reject)
          resolve()
        })
      })
      return { site, url }
    } catch (error) {
      await site.close()
      if (fixedPort !== undefined || attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}
