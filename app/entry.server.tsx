import { createHash } from 'node:crypto'
import type { EntryContext } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { renderToString } from 'react-dom/server'

/**
 * Pages are rendered whole (no streaming: nothing here is deferred), which lets
 * every page carry an ETag and answer a matching If-None-Match with 304.
 */
export default function handleRequest(request: Request, status: number, headers: Headers, context: EntryContext) {
  const html = '<!DOCTYPE html>' + renderToString(<RemixServer context={context} url={request.url} />)
  headers.set('Content-Type', 'text/html; charset=utf-8')
  if (status === 200 && request.method === 'GET') {
    const etag = `W/"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`
    headers.set('ETag', etag)
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers })
  }
  return new Response(html, { status, headers })
}
