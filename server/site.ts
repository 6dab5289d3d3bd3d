import { createServer, type Server } from 'node:http'
import type { ServerBuild } from '@remix-run/node'
import type { ViteDevServer } from 'vite'
import { createApp } from '#server/app'
import { sessionCookieName } from '#server/auth/cookies'
import { CollabServer } from '#server/collab/collab-server'
import { ContentVersion } from '#server/content-version'
import { collabAuthorization } from '#server/collab/upgrade-auth'
import { siteOrigins } from '#server/config'
import { purgeExpired } from '#server/contributions/retention'
import { runFollowerMails } from '#server/follow/digest'
import type { DatabaseHandle } from '#server/db/client'
import { LocalSiteEvents, RedisSiteEvents, type SiteEvents } from '#server/events'
import { FileSafety } from '#server/files/file-safety'
import { createStorage, uploadTempDir, type StorageConfig } from '#server/files/storage'
import { logger } from '#server/logger'
import { MailSender, type MailSenderOptions } from '#server/mail/mailer'
import { PageCache } from '#server/page-cache'
import { PdfService } from '#server/pdf/editions'
import { LiveChanges } from '#server/handbook/edition-changes'
import { PublishedContent } from '#server/published-content'
import { RenderedPages } from '#server/rendered-pages'
import { initialLiveDocuments } from '#server/handbook/live-documents'
import { batched } from '#server/collab/batched'
import { DocumentRelay } from '#server/collab/relay'
import { RedisBus, type RedisSettings } from '#server/redis'

export type SiteOptions = {
  database: DatabaseHandle
  remix: { build: ServerBuild } | { vite: ViteDevServer }
  /** Base of links in mails and the origin forms and live editing must come from (config.publicUrl). */
  publicUrl: string
  /** True when PUBLIC_URL is not set: links point at localhost and /beheer/outbox says so. */
  publicUrlIsDefault?: boolean
  trustProxy?: string
  /** Uploads live here (or in S3 when configured). */
  dataDir: string
  s3?: StorageConfig['s3']
  /** CLAMD_URL: every upload is scanned by clamd; without it files are not virus-scanned (and the moderation queue says so). */
  clamdUrl?: string
  /** How long one scan may take before the file is kept in quarantine as "not yet scanned". */
  scanTimeoutMs?: number
  collab?: Partial<{ writeWindowMs: number; compactAfterUpdates: number; contributorsEveryMs: number; unloadAfterMs: number; pingIntervalMs: number; sessionCheckIntervalMs: number }>
  /** SMTP_URL and MAIL_FROM; without an SMTP URL mails stay in the outbox. */
  mail?: MailSenderOptions
  /** REDIS_URL: several processes share live documents and site events through this Redis. */
  redis?: RedisSettings
  /** An HTTP server already listening (server/index.ts takes the port before it opens the data). */
  server?: Server
}

export type Site = {
  server: Server
  collab: CollabServer
  pdf: PdfService
  pageCache: PageCache
  renderedPages: RenderedPages
  events: SiteEvents
  mail: MailSender
  fileSafety: FileSafety
  /** The retention job (run at start and every 6 hours), e.g. for tests. */
  runRetention: () => Promise<void>
  /** The followers' mails (new editions, weekly digests; at start and every hour), e.g. for tests; `now` pretends a later moment. */
  runDigest: (now?: Date) => Promise<void>
  close: () => Promise<void>
}

/** Pages and live-editing sockets on one HTTP server and port. */
export async function createSite(options: SiteOptions): Promise<Site> {
  const { database } = options
  const bus = options.redis ? await RedisBus.connect(options.redis) : null
  const events = bus ? await RedisSiteEvents.start(bus) : new LocalSiteEvents()
  const relay = bus ? new DocumentRelay(bus) : undefined
  const mail = new MailSender(database.db, options.mail ?? {})
  const origins = siteOrigins(options.publicUrl, options.publicUrlIsDefault)
  // New documents opening at the same moment read their published texts in one query.
  const initialContents = batched((slugs: Map<string, null>) => initialLiveDocuments(database.db, [...slugs.keys()]))
  const collab = new CollabServer(database.db, {
    // At most a second of edits is only in memory (a crash loses nothing: clients re-send what the server
    // lacks when they reconnect); a write per second, not four, keeps Postgres's share small (issue 15).
    writeWindowMs: 1000,
    compactAfterUpdates: 200,
    contributorsEveryMs: 30_000,
    unloadAfterMs: 10_000,
    pingIntervalMs: 30_000,
    sessionCheckIntervalMs: 60_000,
    ...options.collab,
    ...collabAuthorization(database.db, origins),
    relay,
    initialContent: (document) => initialContents(document, null),
  })
  const storage = createStorage({ dataDir: options.dataDir, s3: options.s3 })
  const contentVersion = await ContentVersion.start(database)
  const pdf = new PdfService(database.db, contentVersion, { acrossProcesses: database.mode === 'postgres' })
  const liveChanges = new LiveChanges(database.db, contentVersion)
  const published = new PublishedContent(database.db, contentVersion)
  const renderedPages = new RenderedPages(8 * 1024 * 1024)
  const fileSafety = new FileSafety(database.db, storage, uploadTempDir(options.dataDir), { clamdUrl: options.clamdUrl, scanTimeoutMs: options.scanTimeoutMs })
  const app = await createApp({ ...options, siteOrigins: origins, collab, events, storage, pdf, liveChanges, contentVersion, published, renderedPages, uploadTempDir: uploadTempDir(options.dataDir), fileSafety })
  // The start-up run leaves quarantined files to the start scan below (`rescan`), which runs beside the
  // start instead of holding it up; the periodic runs scan them again.
  const purge = ({ scan }: { scan: boolean }) =>
    purgeExpired(database.db, storage, new Date(), uploadTempDir(options.dataDir), scan ? fileSafety : undefined).catch((error) => logger.error({ err: error }, 'purging expired submissions failed'))
  // Finished before the first request: a crash's left-over uploads are gone before new ones arrive.
  await purge({ scan: false })
  const purgeTimer = setInterval(() => purge({ scan: true }), 6 * 60 * 60 * 1000)
  purgeTimer.unref()
  // Each subscription remembers what was mailed through when, so running this often (or after a restart) never sends twice.
  const digest = (now = new Date()) => runFollowerMails(database.db, options.publicUrl, now).catch((error) => logger.error({ err: error }, 'mailing followers failed'))
  const startDigest = digest()
  const digestTimer = setInterval(digest, 60 * 60 * 1000)
  digestTimer.unref()
  // Files stored before scanning existed (or while clamd was down) are scanned once on start, without
  // holding up the start (they stay unservable meanwhile); quarantined files should not wait six hours
  // for the scanner's return either: every 5 minutes, a cheap query when none wait.
  const rescan = () => fileSafety.rescanPending().catch((error) => logger.error({ err: error }, 'scanning quarantined files failed'))
  const startScan = rescan()
  const rescanTimer = fileSafety.scanning ? setInterval(rescan, 5 * 60 * 1000) : undefined
  rescanTimer?.unref()
  const pageCache = new PageCache({ version: contentVersion, maxBytes: 64 * 1024 * 1024, sessionCookies: [sessionCookieName] })
  const server = options.server ?? createServer()
  server.on('request', pageCache.handler(app))
  collab.attach(server)
  const unsubscribe = [
    // The PDF's size and page count show beside its links: rendered after a change, not on a reader's request.
    contentVersion.subscribe(() => pdf.refreshSoon(options.publicUrl)),
    events.subscribe('access-changed', ({ userId }) => collab.recheckUser(userId)),
    events.subscribe('sessions-ended', ({ sessionIds }) => collab.closeSessions(sessionIds)),
  ]
  return {
    server,
    collab,
    pdf,
    events,
    mail,
    pageCache,
    renderedPages,
    fileSafety,
    runRetention: async () => void (await purge({ scan: true })),
    runDigest: async (now?: Date) => void (await digest(now)),
    close: async () => {
      clearInterval(purgeTimer)
      clearInterval(rescanTimer)
      clearInterval(digestTimer)
      await startScan
      await startDigest
      for (const stop of unsubscribe) stop()
      await pdf.settled()
      // Stop accepting; write every live document and close its sockets (1001); requests still
      // running get a few seconds to finish (they need the database), then are cut.
      const closed = new Promise((resolve) => server.close(resolve))
      const idle = setInterval(() => server.closeIdleConnections(), 100)
      await collab.close()
      relay?.close()
      await bus?.close()
      const cut = setTimeout(() => server.closeAllConnections(), 5000)
      await mail.close()
      await closed
      clearInterval(idle)
      clearTimeout(cut)
    },
  }
}
