import { randomBytes, randomUUID } from 'node:crypto'
import path from 'node:path'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import type { ViteDevServer } from 'vite'
import { authenticate, requireSameOrigin } from '#server/auth/middleware'
import type { Authentication } from '#server/auth/sessions'
import type { CollabServer } from '#server/collab/collab-server'
import type { FileStorage } from '#server/files/storage'
import type { PdfService } from '#server/pdf/editions'
import type { Database, DatabaseHandle } from '#server/db/client'
import { instanceSecret } from '#server/instance-settings'
import { logger } from '#server/logger'
import { hashIdentifier } from '#server/rate-limits'

declare module '@remix-run/node' {
  interface AppLoadContext {
    db: Database
    /** Live documents, for publishing, restoring and applying suggestions. */
    collab: CollabServer
    storage: FileStorage
    pdf: PdfService
    /** Where uploads are streamed before their type is checked. */
    uploadTempDir: string
    authentication: Authentication | null
    /** A keyed hash of the client's IP address: for rate limits, never the address itself. */
    clientKey: string
    /** Absolute base for links in mails, e.g. https://lokaalsamenwerken.nl */
    publicUrl: string
    cspNonce: string
    /** The X-Request-Id of this request, for error log lines. */
    requestId?: string
  }
}

type AppOptions = {
  database: DatabaseHandle
  collab: CollabServer
  storage: FileStorage
  pdf: PdfService
  uploadTempDir: string
  publicUrl?: string
  trustProxy?: string
  /** The production build, or a Vite dev server that builds on request. */
  remix: { build: ServerBuild } | { vite: ViteDevServer }
}

const clientBuildDir = path.resolve(import.meta.dirname, '../build/client')

/** The whole site as one Express app: static files, health check, Remix pages. */
export async function createApp({ database, collab, storage, pdf, uploadTempDir, remix, publicUrl, trustProxy = 'loopback' }: AppOptions) {
  const ipHashKey = await instanceSecret(database.db, 'ip-hash-key')
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', trustProxy)
  app.use(requestLogging)
  app.use(securityHeaders('vite' in remix))
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
    app.use(express.static(clientBuildDir, { maxAge: '1h' }))
  }

  const build = 'vite' in remix ? () => remix.vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild> : remix.build
  app.use(limitRequestSize, requireSameOrigin, authenticate(database.db))
  app.all(
    '*',
    createRequestHandler({
      build,
      getLoadContext: (request, response) => ({
        db: database.db,
        collab,
        storage,
        pdf,
        uploadTempDir,
        authentication: response.locals.authentication ?? null,
        clientKey: hashIdentifier(request.ip ?? '', ipHashKey),
        publicUrl: publicUrl ?? `${request.protocol}://${request.get('host')}`,
        cspNonce: response.locals.cspNonce,
        requestId: response.locals.requestId,
      }),
    }),
  )
  return app
}

// Forms are small; only multipart uploads (up to 5 files of 20 MB) may be large.
const maxFormBytes = 256 * 1024
const maxUploadBytes = 5 * 20 * 1024 * 1024 + 1024 * 1024

function limitRequestSize(request: express.Request, response: express.Response, next: express.NextFunction) {
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
  response.locals.requestId = requestId
  response.on('finish', () => {
    // No IP addresses and no query strings: search terms are the visitor's business.
    logger.info({ requestId, method: request.method, path: request.path, status: response.statusCode, ms: Math.round(performance.now() - started) }, 'request')
  })
  next()
}

function securityHeaders(development: boolean) {
  return (_request: express.Request, response: express.Response, next: express.NextFunction) => {
    const nonce = randomBytes(16).toString('base64')
    response.locals.cspNonce = nonce
    response.setHeader('X-Content-Type-Options', 'nosniff')
    response.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    // Pages differ per signed-in user: shared caches must key on the cookie.
    response.setHeader('Vary', 'Cookie')
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
    next()
  }
}
