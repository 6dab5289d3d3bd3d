import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/**
 * Presence (y-protocols awareness) from one connection, screened before it
 * reaches the shared Awareness: one client id per connection, a small state,
 * and the identifying part (`user.name`) set by the server from the session.
 * Pure functions and a small throttle, usable by a room or by a relay.
 */
export type PresenceLimits = {
  /** Largest JSON state of one client, in bytes (a caret and a name need a few hundred). */
  maxStateBytes: number
  /** Presence changes applied per second and connection; faster ones are coalesced. */
  perSecond: number
  burst: number
}

export const defaultPresenceLimits: PresenceLimits = { maxStateBytes: 4096, perSecond: 10, burst: 20 }

export type PresenceVerdict =
  | { ok: true; clientId: number | null; update: Uint8Array | null }
  | { ok: false; code: number; reason: string; detail: string }

/** Awareness entries naming other clients' ids with a null state: y-protocols' own timeout bookkeeping. */
const maxEntries = 1000

/**
 * Reads an awareness update and returns what may be applied: only the sender's
 * own entry (its id is `ownId`, or becomes the first new id it names), with
 * `user.name` replaced by `name`. An honest y-websocket client echoes every
 * presence change it receives back to the server, and marks silent peers as
 * gone: entries for other ids that are such echoes (a clock the server already
 * has) or removals are dropped quietly. Any other entry for another id — a new
 * state for someone else — refuses the connection.
 */
export function screenPresence(update: Uint8Array, ownId: number | null, name: string, limits: PresenceLimits, knownClock: (clientId: number) => number | undefined): PresenceVerdict {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  if (count > maxEntries) return { ok: false, code: 4400, reason: 'ongeldige aanwezigheidsgegevens', detail: `${count} entries` }
  let clientId = ownId
  let own: { clock: number; state: string } | null = null
  for (let index = 0; index < count; index++) {
    const id = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const length = decoding.peekVarUint(decoder)
    if (length > limits.maxStateBytes * 4) return tooLarge(length)
    const json = decoding.readVarString(decoder)
    if (json.length > limits.maxStateBytes) return tooLarge(json.length)
    if (id !== clientId) {
      const known = knownClock(id)
      if (json === 'null' || (known !== undefined && clock <= known)) continue
      if (clientId === null) clientId = id
    }
    if (id !== clientId) return { ok: false, code: 4409, reason: 'aanwezigheid van een andere verbinding', detail: `client id ${id}, connection uses ${clientId}` }
    const state = rewrite(json, name)
    if (state === undefined) return { ok: false, code: 4400, reason: 'ongeldige aanwezigheidsgegevens', detail: 'state is not an object' }
    if (state.length > limits.maxStateBytes) return tooLarge(state.length)
    own = { clock, state }
  }
  if (!own || clientId === null) return { ok: true, clientId, update: null }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, own.clock)
  encoding.writeVarString(encoder, own.state)
  return { ok: true, clientId, update: encoding.toUint8Array(encoder) }
}

function tooLarge(bytes: number): PresenceVerdict {
  return { ok: false, code: 4413, reason: 'aanwezigheidsgegevens te groot', detail: `${bytes} bytes` }
}

/** The state with `user` set by the server: the session's name, and a colour only if it is one. */
function rewrite(json: string, name: string): string | undefined {
  let state: unknown
  try {
    state = JSON.parse(json)
  } catch {
    return undefined
  }
  if (state === null) return 'null'
  if (typeof state !== 'object' || Array.isArray(state)) return undefined
  const given = (state as { user?: { color?: unknown } }).user
  const color = typeof given?.color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(given.color) ? given.color : undefined
  return JSON.stringify({ ...state, user: color ? { name, color } : { name } })
}

/**
 * A token bucket that never drops the latest value: when a connection sends
 * presence faster than allowed, the newest change waits for the next token and
 * the ones in between are skipped (a caret only needs its last position).
 */
export class PresenceThrottle {
  private tokens: number
  private last = Date.now()
  private waiting: (() => void) | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly limits: PresenceLimits) {
    this.tokens = limits.burst
  }

  offer(apply: () => void) {
    this.refill()
    if (this.tokens >= 1 && !this.timer) {
      this.tokens -= 1
      apply()
      return
    }
    this.waiting = apply
    this.timer ??= setTimeout(() => this.release(), Math.ceil(1000 / this.limits.perSecond))
    this.timer.unref()
  }

  /** Whether a cheap request (a presence query) may be answered now. */
  allow() {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  cancel() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.waiting = null
  }

  private release() {
    this.timer = null
    const apply = this.waiting
    this.waiting = null
    if (apply) this.offer(apply)
  }

  private refill() {
    const now = Date.now()
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.last) / 1000) * this.limits.perSecond)
    this.last = now
  }
}
