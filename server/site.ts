import { createServer, type Server } from 'node:http'
import type { ServerBuild } from '@remix-run/node'
import type { ViteDevServer } from 'vite'
import { createApp } from '#server/app'
import { accountEvents } from '#server/auth/events'
import { CollabServer } from '#server/collab/collab-server'
import { collabAuthorization } from '#server/collab/upgrade-auth'
import type { DatabaseHandle } from '#server/db/client'
import { initialLiveDocument } from '#server/handbook/live-documents'

export type SiteOptions = {
  database: DatabaseHandle
  remix: { build: ServerBuild } | { vite: ViteDevServer }
  publicUrl?: string
  trustProxy?: string
  collab?: Partial<{ writeWindowMs: number; compactAfterUpdates: number; unloadAfterMs: number; pingIntervalMs: number }>
}

export type Site = { server: Server; collab: CollabServer; close: () => Promise<void> }

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
  const app = await createApp({ ...options, collab })
  const server = createServer(app)
  collab.attach(server)
  const onAccessChanged = (userId: number) => void collab.recheckUser(userId)
  accountEvents.on('access-changed', onAccessChanged)
  return {
    server,
    collab,
    close: async () => {
      accountEvents.off('access-changed', onAccessChanged)
      server.closeAllConnections()
      const closed = new Promise((resolve) => server.close(resolve))
      await collab.close()
      await closed
    },
  }
}
