import { randomBytes, randomUUID } from 'node:crypto'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import type { ViteDevServer } from 'vite'
import { readSessionToken } from '#server/auth/cookies'
import { authenticate, requireSameOrigin } from '#server/auth/middleware'
import type { Authentication } from '#server/auth/sessions'
import type { CollabServer } from '#server/collab/collab-server'
import type { ContentVersion } from '#server/content-version'
import type { SiteEvents } from '#server/events'
import type { FileSafety } from '#server/files/file-safety'
import type { FileStorage } from '#server/files/storage'
import type { PdfService } from '#server/pdf/editions'
import type { LiveChanges } from '#server/handbook/edition-changes'
import type { PublishedContent } from '#server/published-content'
import type { RenderedPages } from '#server/rendered-pages'
import type { Database, DatabaseHandle } from '#server/db/client'
import { instanceSecret } from '#server/instance-settings'
import { remixHandler } from '#server/remix-handler'
import { logger } from '#server/logger'
import { hashIdentifier } from '#server/rate-limits'

declare module '@remix-run/node' {
  interface AppLoadContext {
    db: Database
    /** Live documents, for publishing, restoring and applying suggestions. */
    collab: CollabServer
    /** Signals such as ended sessions, so live connections close at once (one instance per process). */
    events: SiteEvents
    storage: FileStorage
    pdf: PdfService
    /** What the published text changed since the latest edition (/wijzigingen), kept per content version. */
    liveChanges: LiveChanges
    /** What readers see changed outside a form post (a download count): cached pages must not outlive it. */
    contentVersion: ContentVersion
    /** The reading pages' published part, read once per content version. */
    published: PublishedContent
    /** Finished pages by the data they were rendered from (signed-in members' pages). */
    renderedPages: RenderedPages
    /** Where uploads are streamed before their type is checked. */
    uploadTempDir: string
    /** Virus scan, photo clean-up and previews (one instance, made in server/site.ts). */
    fileSafety: FileSafety
    authentication: Authentication | null
    /** The editor page was served to this member: their script's socket for `document` follows (CollabServer.expect). */
    expectLiveEditing: (document: string) => void
    /** A keyed hash of the client's IP address: for rate limits, never the address itself. */
    clientKey: string
    /** Absolute base for links in mails, e.g. https://lokaalsamenwerken.nl: PUBLIC_URL, never the request's Host. */
    publicUrl: string
    /** PUBLIC_URL is not set: links point at http://localhost:<PORT>. */
    publicUrlIsDefault: boolean
    /** The X-Request-Id of this request, for error log lines. */
    requestId: string
    cspNonce: string
  }
}

type AppOptions = {
  database: DatabaseHandle
  collab: CollabServer
  events: SiteEvents
  storage: FileStorage
  pdf: PdfService
  liveChanges: LiveChanges
  contentVersion: ContentVersion
  published: PublishedContent
  renderedPages: RenderedPages
  uploadTempDir: string
  fileSafety: FileSafety
  publicUrl: string
  publicUrlIsDefault?: boolean
  /** The origins state-changing requests may come from (see siteOrigins in server/config). */
  siteOrigins: ReadonlySet<string>
  trustProxy?: string
  /** The production build, or a Vite dev server that builds on request. */
  remix: { build: ServerBuild } | { vite: ViteDevServer }
}

const clientBuildDir = path.resolve('build/client')

/** The whole site as one Express app: static files, health check, Remix pages. */
export async function createApp({ database, collab, events, storage, pdf, liveChanges, contentVersion, published, renderedPages, uploadTempDir, fileSafety, remix, publicUrl, publicUrlIsDefault = false, siteOrigins, trustProxy = 'loopback' }: AppOptions) {
  const ipHashKey = await instanceSecret(database.db, 'ip-hash-key')
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', trustProxy)
  app.use(requestLogging)
  app.use(securityHeaders({ development: 'vite' in remix, https: publicUrl.startsWith('https:') }))
  app.use(compression())

  app.get('/healthz', async (_request, response) => {
    response.set('Cache-Control', 'no-store')
    try {
      await database.ping()
      response.json({ status: 'ok', database: database.mode })
    } catch (error) {
      logger.error({ err: error }, 'health check: database does not answer')
      response.status(503).json({ status: 'unavailable' })
    }
  })

  if ('vite' in remix) {
    app.use(remix.vite.middlewares)
  } else {
    // Fingerprinted assets never change; everything else in public/ may.
    app.use('/assets', express.static(path.join(clientBuildDir, 'assets'), { immutable: true, maxAge: '1y' }))
    // Only a request for one of public/'s own files reaches the file system: a page costs no stat.
    const publicEntries = new Set(readdirSync(clientBuildDir).filter((name) => name !== 'assets'))
    const publicFiles = express.static(clientBuildDir, { maxAge: '1h' })
    app.use((request, response, next) => (publicEntries.has(request.path.split('/')[1]) ? publicFiles(request, response, next) : next()))
  }

  const build = 'vite' in remix ? () => remix.vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild> : remix.build
  app.use(limitRequestSize, requireSameOrigin(siteOrigins), siteHost(publicUrl), authenticate(database.db, () => collab.accessGeneration()))
  app.all(
    '*',
    remixHandler({
      build,
      getLoadContext: (request, response) => ({
        db: database.db,
        collab,
        events,
        storage,
        pdf,
        liveChanges,
        contentVersion,
        published,
        renderedPages,
        uploadTempDir,
        fileSafety,
        authentication: response.locals.authentication ?? null,
        expectLiveEditing: (document: string) => {
          const token = readSessionToken(request.headers.cookie)
          if (token && response.locals.authentication) collab.expect(document, token, response.locals.authentication, response.locals.checkedIn)
        },
        clientKey: hashIdentifier(request.ip ?? '', ipHashKey),
        publicUrl,
        publicUrlIsDefault,
        requestId: String(response.getHeader('X-Request-Id')),
        cspNonce: response.locals.cspNonce,
      }),
    }),
  )
  app.use(answerServerError)
  return app
}

/** The last stop for an error no page handled: an error-level log line with the request id, a plain Dutch 500. */
function answerServerError(error: unknown, request: express.Request, response: express.Response, next: express.NextFunction) {
  logger.error({ err: error, requestId: response.getHeader('X-Request-Id'), method: request.method }, 'request failed')
  if (response.headersSent) return next(error)
  response.status(500).type('text/plain; charset=utf-8').send('Er ging iets mis op de server. Probeer het later opnieuw.')
}

/**
 * Remix builds request.url from Host / X-Forwarded-Host, and answers an action whose Origin
 * differs from them with a 500. Neither may depend on what a client claims: pages see the
 * public URL's host, and a form post that requireSameOrigin let through the host of its
 * (browser-set) Origin.
 */
function siteHost(publicUrl: string) {
  const publicHost = new URL(publicUrl).host
  return (request: express.Request, _response: express.Response, next: express.NextFunction) => {
    const origin = request.get('Origin')
    request.headers.host = (!safeMethods.has(request.method) && origin && hostOf(origin)) || publicHost
    delete request.headers['x-forwarded-host']
    next()
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

function hostOf(origin: string) {
  try {
    return new URL(origin).host
  } catch {
    return null
  }
}

// Forms are small; only multipart uploads (up to 5 files of 20 MB) may be large.
const maxFormBytes = 256 * 1024
const maxUploadBytes = 5 * 20 * 1024 * 1024 + 1024 * 1024

// Node stops a body at its Content-Length, so checking the header bounds the body. A body
// without one (chunked) has no bound to check; browsers always send the length of a form.
function limitRequestSize(request: express.Request, response: express.Response, next: express.NextFunction) {
  if (request.get('Transfer-Encoding') && !request.get('Content-Length')) {
    response.status(411).type('text/plain; charset=utf-8').send('Dit formulier kon niet worden gelezen: de lengte ontbreekt.')
    return
  }
  const multipart = request.is('multipart/form-data')
  const limit = multipart ? maxUploadBytes : maxFormBytes
  if (Number(request.get('Content-Length') ?? 0) > limit) {
    response.status(413).type('text/plain; charset=utf-8').send(multipart ? 'De bestanden zijn samen te groot (hoogstens 5 bestanden van 20 MB).' : 'Dit formulier is te groot.')
    return
  }
  next()
}

function requestLogging(request: express.Request, response: express.Response, next: express.NextFunction) {
  const requestId = randomUUID()
  const started = performance.now()
  response.setHeader('X-Request-Id', requestId)
  response.on('finish', () => {
    // No IP addresses and no query strings: search terms are the visitor's business. No link tokens either.
    logger.info({ requestId, method: request.method, path: redactTokens(request.path), status: response.statusCode, ms: Math.round(performance.now() - started) }, 'request')
  })
  next()
}

// Paths that carry a secret from a mail link; the token is the last segment.
const tokenPaths = /^(\/(?:uitnodiging|wachtwoord-herstellen|account\/e-mail|bijdragen\/verwijderen))\/[^/]+/i
// Tokens look like "<32 base32>.<32 base32>" (server/auth/random.ts): caught on any other path too.
const tokenShape = /[a-z2-7]{32}\.[a-z2-7]{32}/gi

function redactTokens(path: string) {
  return path.replace(tokenPaths, '$1/:token').replace(tokenShape, ':token')
}

function securityHeaders({ development, https }: { development: boolean; https: boolean }) {
  return (_request: express.Request, response: express.Response, next: express.NextFunction) => {
    const nonce = randomBytes(16).toString('base64')
    response.locals.cspNonce = nonce
    response.setHeader('X-Content-Type-Options', 'nosniff')
    response.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    // Pages differ per signed-in user: shared caches must key on the cookie.
    response.setHeader('Vary', 'Cookie')
    // Served over HTTPS (PUBLIC_URL says so): browsers must never fall back to plain http.
    if (https) response.setHeader('Strict-Transport-Security', 'max-age=31536000')
    response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()')
    // Vite's dev server injects inline scripts of its own; production runs only nonce'd scripts.
    const scripts = development ? "'self' 'unsafe-inline'" : `'self' 'nonce-${nonce}'`
    response.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src ${scripts}`,
        // Live-editing carets are positioned with style attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    )
    // A 304 shows the page the browser kept, whose scripts carry that answer's nonce: a policy
    // with this request's nonce would refuse them all, so the kept policy stays in force.
    const writeHead = response.writeHead
    response.writeHead = function (this: express.Response, ...args: Parameters<typeof writeHead>) {
      if (args[0] === 304) this.removeHeader('Content-Security-Policy')
      return writeHead.apply(this, args)
    } as typeof writeHead
    next()
  }
}
