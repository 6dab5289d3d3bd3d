import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { ActionFunctionArgs, AppLoadContext, EntryContext, LoaderFunctionArgs } from '@remix-run/node'
import { isRouteErrorResponse, RemixServer } from '@remix-run/react'
import { renderToPipeableStream } from 'react-dom/server'
import { NonceContext } from '#app/utils/nonce'
import { RenderedPages } from '#server/rendered-pages'
import { logger } from '#server/logger'

const renderTimeoutMs = 10_000

/**
 * Pages are rendered completely before they are sent (nothing here is slow
 * enough to stream), which lets every page carry an ETag and answer a matching
 * If-None-Match with 304.
 */
export default async function handleRequest(
  request: Request,
  status: number,
  headers: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce
  const { loaderData, actionData, errors } = remixContext.staticHandlerContext
  const key = request.method === 'GET' && status === 200 && !actionData && !errors ? RenderedPages.key(request.url, loaderData) : null
  let html = key ? loadContext.renderedPages.get(key, nonce) : null
  if (html === null) {
    html = await renderCompletely(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} abortDelay={renderTimeoutMs} />
      </NonceContext.Provider>,
      nonce,
    )
    if (key) loadContext.renderedPages.set(key, html, nonce)
  }
  headers.set('Content-Type', 'text/html; charset=utf-8')
  // A signed-in reader's page shows their name and tools: never for a shared cache.
  if (loadContext.authentication) headers.set('Cache-Control', 'private, no-cache')
  if (status === 200 && request.method === 'GET') {
    // The nonce differs per response; the ETag is over the page without it.
    const etag = `W/"${createHash('sha256').update(nonce ? html.replaceAll(nonce, '') : html).digest('base64url').slice(0, 27)}"`
    headers.set('ETag', etag)
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers })
  }
  return new Response(html, { status, headers })
}

/** Renders the whole document, Suspense boundaries (Remix's streamed data) included. */
function renderCompletely(element: JSX.Element, nonce: string | undefined) {
  let timer: NodeJS.Timeout | undefined
  const rendered = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => chunks.push(chunk))
    sink.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    sink.on('error', reject)
    const { pipe, abort } = renderToPipeableStream(element, {
      nonce,
      onAllReady: () => pipe(sink),
      onShellError: reject,
    })
    timer = setTimeout(abort, renderTimeoutMs + 1000)
  })
  // Cleared once rendered: a pending timer holds the whole render (the request, its load context and
  // its response) for 11 s — after a burst of 600 pages, ~600 of them at once (decision 014, eighth pass).
  return rendered.finally(() => clearTimeout(timer))
}

export function handleDataRequest(response: Response, { context }: { context: AppLoadContext }) {
  if (context.authentication) response.headers.set('Cache-Control', 'private, no-cache')
  return response
}

/**
 * Every error that reaches a reader as a 500 becomes one error-level log line with the
 * request id (the path is left out: it can hold a token). Refusals below 500 are not errors.
 */
export function handleError(error: unknown, { request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  if (request.signal.aborted) return
  if (isRouteErrorResponse(error) && error.status < 500) return
  const cause = isRouteErrorResponse(error) && (error as { error?: unknown }).error ? (error as { error?: unknown }).error : error
  logger.error({ err: cause, requestId: context.requestId, method: request.method }, 'page failed')
}
