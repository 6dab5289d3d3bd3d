import { connect, type Socket } from 'node:net'
import type { Readable } from 'node:stream'

/** What clamd said about a file. `unavailable`: not reachable, timed out or refused the stream; try again later. */
export type ScanResult = { verdict: 'clean' } | { verdict: 'infected'; signature: string } | { verdict: 'unavailable'; reason: string }

export interface VirusScanner {
  scan(content: Readable): Promise<ScanResult>
}

export type ClamdOptions = {
  /** `tcp://host:port` or `unix:///path/to/clamd.ctl`. */
  url: string
  /** For the whole scan: connecting, sending and clamd's answer. */
  timeoutMs?: number
}

/**
 * A small client for clamd's INSTREAM command (see clamd(8)): the file is sent
 * in chunks, each preceded by its length as a 4-byte big-endian number, ended
 * by a zero length; clamd answers `stream: OK`, `stream: <name> FOUND`, or an
 * error such as `INSTREAM size limit exceeded`. The file is streamed from its
 * reader chunk by chunk, never held whole in memory; writes wait for the socket
 * to drain. Own code rather than an npm client: see docs/decisions/010.
 */
export function clamdScanner(options: ClamdOptions): VirusScanner {
  const address = parseClamdUrl(options.url)
  const timeoutMs = options.timeoutMs ?? 60_000
  return { scan: (content) => instream(address, content, timeoutMs) }
}

export function parseClamdUrl(url: string): { host: string; port: number } | { path: string } {
  const parsed = new URL(url)
  if (parsed.protocol === 'unix:') return { path: decodeURIComponent(parsed.pathname) }
  if (parsed.protocol === 'tcp:' && parsed.hostname && parsed.port) return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) }
  throw new Error(`CLAMD_URL must look like tcp://127.0.0.1:3310 or unix:///run/clamav/clamd.ctl, not ${url}`)
}

async function instream(address: ReturnType<typeof parseClamdUrl>, content: Readable, timeoutMs: number): Promise<ScanResult> {
  let socket: Socket | undefined
  let timer: NodeJS.Timeout | undefined
  let reply = ''
  try {
    socket = 'path' in address ? connect(address.path) : connect(address.port, address.host)
    const open = socket
    // clamd closes the connection after its answer, or early when it refuses the stream.
    const answered = new Promise<string>((resolve, reject) => {
      open.on('data', (chunk) => (reply += chunk.toString('latin1')))
      open.on('end', () => resolve(reply))
      open.on('close', () => resolve(reply))
      open.on('error', reject)
    })
    // Whichever of these loses a race below must not become an unhandled rejection.
    answered.catch(() => {})
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`clamd gave no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    timedOut.catch(() => {})
    await Promise.race([new Promise<void>((resolve, reject) => (open.once('connect', resolve), open.once('error', reject))), timedOut])
    const send = async (bytes: Uint8Array) => {
      if (open.destroyed || open.writableEnded) return
      if (!open.write(bytes)) await Promise.race([new Promise((resolve) => open.once('drain', resolve)), answered, timedOut])
    }
    const sending = (async () => {
      await send(Buffer.from('zINSTREAM\0'))
      for await (const chunk of content as AsyncIterable<Buffer>) {
        // clamd's StreamMaxLength check happens per chunk; an answer before the end means a refusal.
        if (reply || open.destroyed) break
        const length = Buffer.alloc(4)
        length.writeUInt32BE(chunk.length)
        await send(length)
        await send(chunk)
      }
      await send(Buffer.alloc(4))
    })()
    sending.catch(() => {})
    await Promise.race([sending, timedOut])
    const answer = (await Promise.race([answered, timedOut])).replace(/\0/g, '').trim()
    return interpret(answer)
  } catch (error) {
    return { verdict: 'unavailable', reason: (error as Error).message }
  } finally {
    clearTimeout(timer)
    socket?.destroy()
    content.destroy()
  }
}

function interpret(answer: string): ScanResult {
  if (/^stream: OK$/.test(answer)) return { verdict: 'clean' }
  const found = /^stream: (.+) FOUND$/.exec(answer)
  if (found) return { verdict: 'infected', signature: found[1] }
  if (/size limit exceeded/i.test(answer)) return { verdict: 'unavailable', reason: 'the file is larger than clamd accepts (StreamMaxLength); raise it above the upload limit of 20 MB' }
  return { verdict: 'unavailable', reason: answer ? `clamd answered: ${answer}` : 'clamd closed the connection without an answer' }
}
