import { createHash } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { ContentVersion } from '#server/content-version'
import { logger } from '#server/logger'

const gzip = promisify(zlib.gzip)
const brotli = promisify(zlib.brotliCompress)

type Encoding = 'br' | 'gzip' | 'identity'
type Representation = { body: Buffer; etag: string }
type Entry = { status: number; headers: OutgoingHttpHeaders; representations: Partial<Record<Encoding, Representation>>; bytes: number }

/** Headers that belong to one response, not to the page: never stored. */
const perResponseHeaders = ['set-cookie', 'x-request-id', 'content-length', 'content-encoding', 'etag', 'vary', 'date', 'connection', 'keep-alive', 'transfer-encoding']
/** Pages, feeds and the PDF; static assets have their own long-lived caching. */
const storedTypes = /^(text\/html|application\/pdf|application\/atom\+xml)\b/
const compressibleTypes = /^(text\/html|application\/atom\+xml)\b/

export type PageCacheOptions = {
  version: ContentVersion
  /** Upper bound of all stored bodies (every encoding counted). */
  maxBytes: number
  /** Cookie names that mean "signed in": such requests always go to the app. */
  sessionCookies: string[]
}

/**
 * Finished public pages for readers without a session, answered before Express
 * does any per-request work: the bytes rendered once, compressed once per
 * encoding, keyed by the content version so a change is visible on the next
 * request. Routes opt in with `Cache-Control: public`; a response that sets a
 * cookie, is an error other than 404, or answers a URL with a query string is
 * never stored. Inline scripts are allowed by hash instead of the per-request
 * nonce, so a stored page keeps a strict script-src.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0
  hits = 0
  misses = 0

  constructor(private readonly options: PageCacheOptions) {}

  /** Wraps the app: cache hits are answered here, everything else goes to `app`. */
  handler(app: RequestListener): RequestListener {
    return (request, response) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        this.bumpBeforeResponding(response)
        return app(request, response)
      }
      if (!this.mayServe(request)) return app(request, response)
      const key = `${this.options.version.current} ${request.url}`
      const entry = this.entries.get(key)
      if (entry) {
        this.hits += 1
        this.entries.delete(key)
        this.entries.set(key, entry)
        return send(request, response, entry)
      }
      this.misses += 1
      // HEAD renders no body to keep: only a GET fills the cache.
      if (request.method === 'HEAD') return app(request, response)
      this.fill(key, request, response, app)
    }
  }

  get storedBytes() {
    return this.bytes
  }

  private mayServe(request: IncomingMessage) {
    const url = request.url ?? ''
    if (!url.startsWith('/') || url.includes('?') || url.startsWith('/collab/')) return false
    return !hasCookie(request.headers.cookie, this.options.sessionCookies)
  }

  /** A form post may change what readers see: the next request must not get the page from before it. */
  private bumpBeforeResponding(response: ServerResponse) {
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    response.end = ((...args: unknown[]) => {
      this.options.version.changed()
      return end(...args)
    }) as ServerResponse['end']
  }

  /** Lets the app render the page once (uncompressed, unconditional), stores it when it may be shared, and answers from it. */
  private fill(key: string, request: IncomingMessage, response: ServerResponse, app: RequestListener) {
    const acceptEncoding = request.headers['accept-encoding']
    const ifNoneMatch = request.headers['if-none-match']
    request.headers['accept-encoding'] = 'identity'
    delete request.headers['if-none-match']
    const chunks: Buffer[] = []
    const write = response.write.bind(response) as (...args: unknown[]) => boolean
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse
    const collect = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'))
    }
    response.writeHead = ((status: number, ...rest: unknown[]) => {
      response.statusCode = status
      const headers = rest.find((value) => value && typeof value === 'object') as OutgoingHttpHeaders | undefined
      for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) response.setHeader(name, value)
      return response
    }) as ServerResponse['writeHead']
    response.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      collect(chunk, encoding)
      const done = [encoding, callback].find((value) => typeof value === 'function') as (() => void) | undefined
      done?.()
      return true
    }) as ServerResponse['write']
    response.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      collect(chunk, encoding)
      response.write = write as ServerResponse['write']
      response.end = end as ServerResponse['end']
      response.writeHead = writeHead as ServerResponse['writeHead']
      restore(request, 'accept-encoding', acceptEncoding)
      restore(request, 'if-none-match', ifNoneMatch)
      const done = [chunk, encoding, callback].find((value) => typeof value === 'function') as (() => void) | undefined
      if (done) response.once('finish', done)
      void this.store(key, response, Buffer.concat(chunks))
        .then((entry) => (entry ? send(request, response, entry) : sendAsRendered(request, response, Buffer.concat(chunks))))
        .catch((error) => {
          logger.error({ err: error, path: request.url }, 'storing a page in the cache failed')
          sendAsRendered(request, response, Buffer.concat(chunks))
        })
      return response
    }) as ServerResponse['end']
    app(request, response)
  }

  private async store(key: string, response: ServerResponse, body: Buffer): Promise<Entry | null> {
    if (!isShareable(response)) return null
    const headers: OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(response.getHeaders())) {
      if (value !== undefined && !perResponseHeaders.includes(name)) headers[name] = value
    }
    const type = String(headers['content-type'] ?? '')
    if (type.startsWith('text/html')) body = withScriptHashes(body, headers)
    const identity = body
    const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 32)
    const representations: Entry['representations'] = { identity: { body: identity, etag: `"${hash}"` } }
    if (compressibleTypes.test(type) && identity.length > 1024) {
      const [gzipped, brotlied] = await Promise.all([
        gzip(identity, { level: 9 }),
        brotli(identity, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
      ])
      representations.gzip = { body: gzipped, etag: `"${hash}-gz"` }
      representations.br = { body: brotlied, etag: `"${hash}-br"` }
    }
    const bytes = Object.values(representations).reduce((sum, representation) => sum + representation.body.length, 0)
    const entry: Entry = { status: response.statusCode, headers, representations, bytes }
    // A page as big as the whole cache would only push everything else out.
    if (bytes > this.options.maxBytes / 4) return entry
    this.entries.delete(key)
    this.entries.set(key, entry)
    this.bytes += bytes
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break
      this.entries.delete(oldKey)
      this.bytes -= old.bytes
    }
    return entry
  }
}

function restore(request: IncomingMessage, name: string, value: string | undefined) {
  if (value === undefined) delete request.headers[name]
  else request.headers[name] = value
}

function isShareable(response: ServerResponse) {
  if (response.statusCode !== 200 && response.statusCode !== 404) return false
  if (response.hasHeader('set-cookie')) return false
  if (!storedTypes.test(String(response.getHeader('content-type') ?? ''))) return false
  const cacheControl = String(response.getHeader('cache-control') ?? '')
  return /\bpublic\b/.test(cacheControl) && !/no-store|private/.test(cacheControl)
}

function hasCookie(header: string | undefined, names: string[]) {
  if (!header) return false
  return header.split(';').some((part) => names.includes(part.split('=')[0].trim()))
}

/** The best encoding the client accepts (q=0 refuses one). */
function negotiate(acceptEncoding: string | string[] | undefined, entry: Entry): Encoding {
  const accepted = new Map<string, number>()
  for (const part of String(acceptEncoding ?? '').split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';')
    const q = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean)
    if (name) accepted.set(name, q === undefined ? 1 : Number(q))
  }
  const allows = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0
  if (entry.representations.br && allows('br')) return 'br'
  if (entry.representations.gzip && allows('gzip')) return 'gzip'
  return 'identity'
}

function send(request: IncomingMessage, response: ServerResponse, entry: Entry) {
  const encoding = negotiate(request.headers['accept-encoding'], entry)
  const representation = entry.representations[encoding]!
  const compressible = Boolean(entry.representations.gzip)
  const headers: OutgoingHttpHeaders = {
    ...entry.headers,
    etag: representation.etag,
    vary: compressible ? 'Cookie, Accept-Encoding' : 'Cookie',
  }
  if (encoding !== 'identity') headers['content-encoding'] = encoding
  const ifNoneMatch = request.headers['if-none-match']
  if (entry.status === 200 && ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === representation.etag)) {
    response.writeHead(304, headers)
    response.end()
    return
  }
  headers['content-length'] = representation.body.length
  response.writeHead(entry.status, headers)
  response.end(request.method === 'HEAD' ? undefined : representation.body)
}

/** A response the cache does not keep goes out as the app made it (without compression: it was asked for identity). */
function sendAsRendered(request: IncomingMessage, response: ServerResponse, body: Buffer) {
  if (!response.headersSent) response.setHeader('Content-Length', body.length)
  response.end(request.method === 'HEAD' ? undefined : body)
}

/**
 * Swaps the response's nonce for the hashes of the page's own inline scripts: the
 * page can be served to anyone, and an injected script still has no hash.
 */
function withScriptHashes(body: Buffer, headers: OutgoingHttpHeaders): Buffer {
  const policy = String(headers['content-security-policy'] ?? '')
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1]
  if (!nonce) return body
  const nonceAttribute = ` nonce="${nonce}"`
  const html = body.toString('utf8').replaceAll(nonceAttribute, '')
  const hashes = new Set<string>()
  for (const match of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    if (/\bsrc=/.test(match[0].slice(0, match[0].indexOf('>')))) continue
    hashes.add(`'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`)
  }
  headers['content-security-policy'] = policy.replace(` 'nonce-${nonce}'`, [...hashes].map((hash) => ` ${hash}`).join(''))
  return Buffer.from(html)
}
