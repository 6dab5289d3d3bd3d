import { createServer, type Server } from 'node:http'
import type { ServerBuild } from '@remix-run/node'
import type { ViteDevServer } from 'vite'
import { createApp } from '#server/app'
import { accountEvents } from '#server/auth/events'
import { CollabServer } from '#server/collab/collab-server'
import { collabAuthorization } from '#server/collab/upgrade-auth'
import { purgeExpired } from '#server/contributions/retention'
import type { DatabaseHandle } from '#server/db/client'
import { createStorage, uploadTempDir, type StorageConfig } from '#server/files/storage'
import { logger } from '#server/logger'
import { PdfService } from '#server/pdf/editions'
import { initialLiveDocument } from '#server/handbook/live-documents'

export type SiteOptions = {
  database: DatabaseHandle
  remix: { build: ServerBuild } | { vite: ViteDevServer }
  publicUrl?: string
  trustProxy?: string
  /** Uploads live here (or in S3 when configured). */
  dataDir: string
  s3?: StorageConfig['s3']
  collab?: Partial<{ writeWindowMs: number; compactAfterUpdates: number; unloadAfterMs: number; pingIntervalMs: number }>
}

export type Site = { server: Server; collab: CollabServer; pdf: PdfService; close: () => Promise<void> }

/** Pages and live-editing sockets on one HTTP server and port. */
export async function createSite(options: SiteOptions): Promise<Site> {
  const { database } = options
  const collab = new CollabServer(database.db, {
    writeWindowMs: 250,
    compactAfterUpdates: 200,
    unloadAfterMs: 10_000,
    pingIntervalMs: 30_000,
    ...options.collab,
    ...collabAuthorization(database.db),
    initialContent: (document) => initialLiveDocument(database.db, document),
  })
  const storage = createStorage({ dataDir: options.dataDir, s3: options.s3 })
  const pdf = new PdfService(database.db)
  const app = await createApp({ ...options, collab, storage, pdf, uploadTempDir: uploadTempDir(options.dataDir) })
  const purge = () => purgeExpired(database.db, storage, new Date(), uploadTempDir(options.dataDir)).catch((error) => logger.error({ err: error }, 'purging expired submissions failed'))
  // Finished before the first request: a crash's left-over uploads are gone before new ones arrive.
  await purge()
  const purgeTimer = setInterval(purge, 6 * 60 * 60 * 1000)
  purgeTimer.unref()
  const server = createServer(app)
  collab.attach(server)
  const onAccessChanged = (userId: number) => void collab.recheckUser(userId)
  accountEvents.on('access-changed', onAccessChanged)
  return {
    server,
    collab,
    pdf,
    close: async () => {
      clearInterval(purgeTimer)
      accountEvents.off('access-changed', onAccessChanged)
      server.closeAllConnections()
      const closed = new Promise((resolve) => server.close(resolve))
      await collab.close()
      await closed
    },
  }
}
