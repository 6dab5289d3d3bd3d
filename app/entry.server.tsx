import { createHash } from 'node:crypto'
import type { AppLoadContext, EntryContext } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { renderToString } from 'react-dom/server'
import { NonceContext } from '#app/utils/nonce'

/**
 * Pages are rendered whole (no streaming: nothing here is deferred), which lets
 * every page carry an ETag and answer a matching If-None-Match with 304.
 */
export default function handleRequest(
  request: Request,
  status: number,
  headers: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const html =
    '<!DOCTYPE html>' +
    renderToString(
      <NonceContext.Provider value={loadContext.cspNonce}>
        <RemixServer context={remixContext} url={request.url} nonce={loadContext.cspNonce} />
      </NonceContext.Provider>,
    )
  headers.set('Content-Type', 'text/html; charset=utf-8')
  // A signed-in reader's page shows their name and tools: never for a shared cache.
  if (loadContext.authentication) headers.set('Cache-Control', 'private, no-cache')
  if (status === 200 && request.method === 'GET') {
    // The nonce differs per response; the ETag is over the page without it.
    const etag = `W/"${createHash('sha256').update(html.replaceAll(loadContext.cspNonce ?? '\0', '')).digest('base64url').slice(0, 27)}"`
    headers.set('ETag', etag)
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers })
  }
  return new Response(html, { status, headers })
}

export function handleDataRequest(response: Response, { context }: { context: AppLoadContext }) {
  if (context.authentication) response.headers.set('Cache-Control', 'private, no-cache')
  return response
}
