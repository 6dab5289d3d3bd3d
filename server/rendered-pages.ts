import { createHash } from 'node:crypto'

type Rendered = { html: string; nonce: string | undefined }

/**
 * Finished HTML by what it was rendered from: a page is a function of its URL and
 * its loaders' data, so the same data renders the same page. A signed-in member who
 * opens a page again (the data unchanged: same content version, same draft state,
 * same name) gets the earlier render with this response's nonce in it, without
 * React running again. Bounded by bytes (LRU).
 */
export class RenderedPages {
  private readonly entries = new Map<string, Rendered>()
  private bytes = 0
  hits = 0

  constructor(private readonly maxBytes: number) {}

  /** The key of a render from these inputs, or null when the data cannot be written down exactly. */
  static key(url: string, data: unknown) {
    try {
      return createHash('sha256').update(url).update('\n').update(JSON.stringify(data, exactly)).digest('base64url')
    } catch {
      return null
    }
  }

  /** The page rendered earlier from the same inputs, with `nonce` in place of the one it was rendered with. */
  get(key: string, nonce: string | undefined) {
    const rendered = this.entries.get(key)
    if (!rendered) return null
    this.hits += 1
    this.entries.delete(key)
    this.entries.set(key, rendered)
    return rendered.nonce && nonce ? rendered.html.replaceAll(rendered.nonce, nonce) : rendered.html
  }

  set(key: string, html: string, nonce: string | undefined) {
    const bytes = html.length * 2
    if (bytes > this.maxBytes / 4) return
    const old = this.entries.get(key)
    if (old) this.bytes -= old.html.length * 2
    this.entries.delete(key)
    this.entries.set(key, { html, nonce })
    this.bytes += bytes
    for (const [oldKey, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldKey)
      this.bytes -= entry.html.length * 2
    }
  }
}

/** What JSON would drop or merge (undefined, Maps, Sets, bigints) is written down too: different data, different key. */
function exactly(_key: string, value: unknown) {
  if (value === undefined) return '\u0000undefined'
  if (typeof value === 'bigint') return `\u0000${value}n`
  if (value instanceof Map) return ['\u0000Map', [...value]]
  if (value instanceof Set) return ['\u0000Set', [...value]]
  // Streamed data is not known yet: such a page is always rendered.
  if (value instanceof Promise) throw new Error('deferred data')
  return value
}
