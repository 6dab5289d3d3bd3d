import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import type { ViteDevServer } from 'vite'
import type { Database, DatabaseHandle } from '#server/db/client'
import { logger } from '#server/logger'

declare module '@remix-run/node' {
  interface AppLoadContext {
    db: Database
  }
}

type AppOptions = {
  database: DatabaseHandle
  /** The production build, or a Vite dev server that builds on request. */
  remix: { build: ServerBuild } | { vite: ViteDevServer }
}

const clientBuildDir = path.resolve(import.meta.dirname, '../build/client')

/** The whole site as one Express app: static files, health check, Remix pages. */
export function createApp({ database, remix }: AppOptions) {
  const app = express()
  app.disable('x-powered-by')
  app.use(requestLogging)
  app.use(securityHeaders)
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
  app.all('*', createRequestHandler({ build, getLoadContext: () => ({ db: database.db }) }))
  return app
}

function requestLogging(request: express.Request, response: express.Response, next: express.NextFunction) {
  const requestId = randomUUID()
  const started = performance.now()
  response.setHeader('X-Request-Id', requestId)
  response.on('finish', () => {
    // No IP addresses and no query strings: search terms are the visitor's business.
    logger.info({ requestId, method: request.method, path: request.path, status: response.statusCode, ms: Math.round(performance.now() - started) }, 'request')
  })
  next()
}

function securityHeaders(_request: express.Request, response: express.Response, next: express.NextFunction) {
  response.setHeader('X-Content-Type-Options', 'nosniff')
  response.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
  response.setHeader('Content-Security-Policy', "frame-ancestors 'none'")
  response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()')
  next()
}
