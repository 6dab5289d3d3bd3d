import { createReadableStreamFromReadable, createRequestHandler, writeReadableStreamToWritable, type AppLoadContext, type ServerBuild } from '@remix-run/node'
import type express from 'express'

/**
 * What @remix-run/express's request handler does, but for one thing: the request's signal aborts once the
 * response is over, sent or not. Remix waits on that signal: each page's data stream keeps a 4.95 s
 * timeout, and with it what it encoded, until the signal aborts — and @remix-run/express aborts it
 * only when the client left before the answer. So every page sent was held for 5 s and then aborted
 * with a new Error: after a burst of 600 editor pages, 600 of them, while live editing went on
 * (docs/decisions/014, eighth pass).
 */
export function remixHandler({ build, getLoadContext }: { build: ServerBuild | (() => Promise<ServerBuild>); getLoadContext: (request: express.Request, response: express.Response) => AppLoadContext }): express.RequestHandler {
  const handle = createRequestHandler(build, process.env.NODE_ENV)
  return async (request, response, next) => {
    try {
      await send(response, await handle(remixRequest(request, response), getLoadContext(request, response)))
    } catch (error) {
      next(error)
    }
  }
}

function remixRequest(request: express.Request, response: express.Response) {
  // As @remix-run/express: the port from X-Forwarded-Host or Host; req.hostname respects "trust proxy".
  const port = [request.get('X-Forwarded-Host'), request.get('host')].map((host) => Number.parseInt(host?.split(':')[1] ?? '', 10)).find(Number.isSafeInteger)
  const url = new URL(`${request.protocol}://${request.hostname}${port ? `:${port}` : ''}${request.originalUrl}`)
  const controller = new AbortController()
  // 'close' comes once the response is complete, or when the connection ended before it was.
  response.on('close', () => controller.abort())
  const body = request.method === 'GET' || request.method === 'HEAD' ? {} : { body: createReadableStreamFromReadable(request), duplex: 'half' as const }
  const headers = new Headers()
  for (const [name, values] of Object.entries(request.headers)) for (const value of [values ?? []].flat()) headers.append(name, value)
  return new Request(url.href, { method: request.method, headers, signal: controller.signal, ...body })
}

async function send(response: express.Response, answer: Response) {
  response.statusMessage = answer.statusText
  response.status(answer.status)
  for (const [name, value] of answer.headers.entries()) response.append(name, value)
  if (answer.headers.get('Content-Type')?.match(/text\/event-stream/i)) response.flushHeaders()
  if (answer.body) await writeReadableStreamToWritable(answer.body, response)
  else response.end()
}
