import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { DocumentWriter } from './document-writer'
import { LogLimiter } from './log-limiter'
import { PresenceThrottle, screenPresence, type PresenceLimits } from './presence-limits'
import { relayOrigin } from './relay'
import type { SchemaRules } from './schema-rules'
import { checkUpdate } from './update-guard'

// y-websocket's message types.
export const messageSync = 0
export const messageAwareness = 1
export const messageQueryAwareness = 3

/**
 * Close codes. y-websocket clients do not reconnect after 4400–4499 (a decision
 * reconnecting cannot change) and do reconnect after anything else — so an
 * update that only lacks text the client itself will supply on a fresh sync
 * gets 4500, and an honest client recovers by reconnecting.
 */
export const closeCodes = {
  malformed: 1007,
  schema: 4400,
  forged: 4409,
  tooLarge: 4413,
  missing: 4500,
} as const

export class ConnectionRefused extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly kind: string,
    detail: string,
  ) {
    super(detail)
  }
}

export type Connection = {
  socket: WebSocket
  userId: number
  /** The session user's name, shown to others as this connection's presence. */
  name: string
  /** Set once the socket is refused or closed: nothing it sends afterwards is handled. */
  closed: boolean
  /** This connection's awareness client id (the first one it named). */
  awarenessId: number | null
  /** Whether the client has sent its sync step 2 (everything it has that the server lacked). */
  sentSyncStep2: boolean
  /** Updates that arrived before the client's own sync step 2 and build on what it is about to send. */
  held: Uint8Array[]
  heldBytes: number
  heldTimer: NodeJS.Timeout | null
  presence: PresenceThrottle
}

export function newConnection(socket: WebSocket, userId: number, name: string, limits: PresenceLimits): Connection {
  return { socket, userId, name, closed: false, awarenessId: null, sentSyncStep2: false, held: [], heldBytes: 0, heldTimer: null, presence: new PresenceThrottle(limits) }
}

export type RoomRules = {
  schema: SchemaRules
  presence: PresenceLimits
  /** How long and how much an update may wait for the sender's own sync step 2. */
  hold: { ms: number; bytes: number }
  warnings: LogLimiter
}

/**
 * One live document in memory: its Yjs doc, awareness and connected sockets;
 * what it applies goes to the process's one write loop (document-writer.ts). Every update a client
 * sends is checked (update-guard.ts) before it is applied; what is applied goes
 * to every connection, the sender included, as the y-websocket reference server does.
 * The doc changes only through this room (`receive`, `transact`): that is how every change reaches
 * the sockets, the writer and the relay (`onChange`).
 */
export class DocumentRoom {
  readonly awareness: awarenessProtocol.Awareness
  readonly connections = new Map<WebSocket, Connection>()
  /** Which connection speaks for an awareness / Yjs client id. */
  private readonly owners = new Map<number, Connection>()
  /** Views of the document that cost a full conversion (its plain text), valid until the next change. */
  private readonly views = new Map<string, unknown>()
  private readonly changeListeners = new Set<(update: Uint8Array, origin: unknown) => void>()
  private readonly onEncodedUpdate = (update: Uint8Array, origin: unknown) => this.changed(update, origin)

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    private readonly writer: DocumentWriter,
    private readonly rules: RoomRules,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>) => {
      this.broadcast(this.awarenessMessage([...added, ...updated, ...removed]))
    })
  }

  get isEmpty() {
    return this.connections.size === 0
  }

  /** Greets a new client: our state vector (sync step 1) and who is here (one small state per connection). */
  join(connection: Connection) {
    this.connections.set(connection.socket, connection)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageSync)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.send(connection.socket, encoding.toUint8Array(encoder))
    const states = [...this.awareness.getStates().keys()]
    if (states.length > 0) this.send(connection.socket, this.awarenessMessage(states))
  }

  leave(socket: WebSocket) {
    const connection = this.connections.get(socket)
    if (!connection) return
    connection.closed = true
    connection.presence.cancel()
    if (connection.heldTimer) clearTimeout(connection.heldTimer)
    connection.held = []
    this.connections.delete(socket)
    const gone: number[] = []
    for (const [id, owner] of this.owners) {
      if (owner !== connection) continue
      this.owners.delete(id)
      if (this.awareness.getStates().has(id)) gone.push(id)
    }
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, gone, null)
  }

  /** Ends a connection for good: nothing it sent after this is handled. */
  refuse(connection: Connection, refusal: ConnectionRefused) {
    if (connection.closed) return
    this.rules.warnings.warn(refusal.kind, { document: this.name, userId: connection.userId, code: refusal.code, detail: refusal.message }, 'collab connection refused')
    this.leave(connection.socket)
    connection.socket.close(refusal.code, refusal.reason)
  }

  /**
   * Handles one binary message from a client. Throws ConnectionRefused for
   * input that must not enter the document, and any other error for malformed
   * input; the caller closes that socket only. Nothing is applied before it is checked.
   */
  receive(connection: Connection, message: Uint8Array) {
    const decoder = decoding.createDecoder(message)
    const type = decoding.readVarUint(decoder)
    if (type === messageSync) {
      const syncType = decoding.readVarUint(decoder)
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        const stateVector = decoding.readVarUint8Array(decoder)
        // A fresh client (empty state vector) gets the whole document: encoded once per version, not once per client.
        if (Y.decodeStateVector(stateVector).size === 0) return this.send(connection.socket, this.view('full-sync-step-2', () => this.syncStep2Message()))
        this.send(connection.socket, this.syncStep2Message(stateVector))
      } else if (syncType === syncProtocol.messageYjsSyncStep2) {
        const update = decoding.readVarUint8Array(decoder)
        // A fresh client lacks nothing of ours and has nothing we lack: its step 2 is the empty update, which would change nothing.
        if (!isEmptyUpdate(update)) this.applyFrom(connection, update, true)
        connection.sentSyncStep2 = true
        this.releaseHeld(connection)
      } else if (syncType === syncProtocol.messageYjsUpdate) {
        this.applyFrom(connection, decoding.readVarUint8Array(decoder), false)
      } else {
        throw new Error(`unknown sync message ${syncType}`)
      }
    } else if (type === messageAwareness) {
      this.receivePresence(connection, decoding.readVarUint8Array(decoder))
    } else if (type === messageQueryAwareness) {
      if (connection.presence.allow()) this.send(connection.socket, this.awarenessMessage([...this.awareness.getStates().keys()]))
    } else {
      throw new Error(`unknown message type ${type}`)
    }
  }

  /** Changes made on the server (restore, accepted suggestion, another process's update) go through here. */
  transact(change: (doc: Y.Doc) => void, origin: unknown = 'server') {
    this.encodingChanges(() => this.doc.transact(() => change(this.doc), origin))
  }

  /** Hears every change after it is applied (the relay publishes this process's own); returns the way to stop. */
  onChange(listener: (update: Uint8Array, origin: unknown) => void) {
    this.changeListeners.add(listener)
    return () => void this.changeListeners.delete(listener)
  }

  /** Writes everything pending now (of every document, and who edited); resolves once that write ended. */
  async flush() {
    await this.writer.flush()
  }

  /** Final write and compaction before the room leaves memory; throws unless everything is stored. */
  async persistAndCompact() {
    await this.flush()
    if (this.writer.unwritten(this.name)) throw new Error(`document ${this.name}: pending updates could not be written`)
    await this.writer.compactOnUnload(this.name)
  }

  destroy() {
    this.writer.forget(this.name)
    for (const connection of [...this.connections.values()]) {
      this.leave(connection.socket)
      connection.socket.close(1001, 'server gaat uit')
    }
    this.awareness.destroy()
    this.doc.destroy()
  }

  private applyFrom(connection: Connection, update: Uint8Array, syncStep2: boolean) {
    const verdict = checkUpdate(this.doc, update, this.rules.schema)
    if (!verdict.ok) {
      if (verdict.reason === 'schema') throw new ConnectionRefused(closeCodes.schema, 'wijziging past niet in het documentschema', 'update outside the schema', verdict.detail)
      // After a server restart, a reconnecting client may type before its sync step 2 is in: wait for it, briefly.
      if (!syncStep2 && !connection.sentSyncStep2) return this.hold(connection, update)
      throw new ConnectionRefused(closeCodes.missing, 'wijziging bouwt voort op ontbrekende tekst; opnieuw verbinden', 'update with missing dependencies', verdict.detail)
    }
    for (const client of verdict.writes) {
      const owner = this.owners.get(client)
      if (owner && owner !== connection && owner.userId !== connection.userId) {
        // A sync step 2 may honestly carry another client's text the server lost in a restart, racing that
        // client's own; reconnecting sorts it out. An ordinary update only ever carries the sender's own.
        if (syncStep2) throw new ConnectionRefused(closeCodes.missing, 'wijziging overlapt met een andere verbinding; opnieuw verbinden', 'sync step 2 for another connection’s client id', `client ${client}`)
        throw new ConnectionRefused(closeCodes.forged, 'wijziging op naam van een andere verbinding', 'update for another connection’s client id', `client ${client}`)
      }
    }
    if (!syncStep2) for (const client of verdict.writes) this.owners.set(client, connection)
    // An update of only new text (what a client sends as it types) is handed on as it came: Yjs need not
    // encode the transaction again. One that repeats known structs is not: their copies were not checked.
    if (verdict.fresh) Y.applyUpdate(this.doc, update, connection)
    else this.encodingChanges(() => Y.applyUpdate(this.doc, update, connection))
    const store = this.doc.store
    if (store.pendingStructs || store.pendingDs) {
      // Not expected after the check (a cycle of references could do it): drop what Yjs could not place.
      store.pendingStructs = null
      store.pendingDs = null
      throw new ConnectionRefused(closeCodes.missing, 'wijziging bouwt voort op ontbrekende tekst; opnieuw verbinden', 'update left pending structs', 'pending after apply')
    }
    if (verdict.fresh && (verdict.writes.size > 0 || verdict.deletes)) this.changed(update, connection)
  }

  /** Runs a change with Yjs encoding what it changed (it only does while the doc has an 'update' listener). */
  private encodingChanges(run: () => void) {
    this.doc.on('update', this.onEncodedUpdate)
    try {
      run()
    } finally {
      this.doc.off('update', this.onEncodedUpdate)
    }
  }

  private hold(connection: Connection, update: Uint8Array) {
    connection.held.push(update)
    connection.heldBytes += update.length
    if (connection.heldBytes > this.rules.hold.bytes) {
      throw new ConnectionRefused(closeCodes.missing, 'wijziging bouwt voort op ontbrekende tekst; opnieuw verbinden', 'held updates too large', `${connection.heldBytes} bytes waiting for sync step 2`)
    }
    connection.heldTimer ??= setTimeout(() => {
      connection.heldTimer = null
      if (connection.held.length > 0) {
        this.refuse(connection, new ConnectionRefused(closeCodes.missing, 'synchronisatie niet afgerond; opnieuw verbinden', 'sync step 2 never came', `${connection.held.length} updates waited ${this.rules.hold.ms} ms`))
      }
    }, this.rules.hold.ms)
    connection.heldTimer.unref()
  }

  /** Applies what waited for the sync step 2, in order; what still lacks a base is refused now. */
  private releaseHeld(connection: Connection) {
    if (connection.heldTimer) clearTimeout(connection.heldTimer)
    connection.heldTimer = null
    const held = connection.held
    connection.held = []
    connection.heldBytes = 0
    for (const update of held) this.applyFrom(connection, update, false)
  }

  private receivePresence(connection: Connection, update: Uint8Array) {
    const verdict = screenPresence(update, connection.awarenessId, connection.name, this.rules.presence, (id) => this.awareness.meta.get(id)?.clock)
    if (!verdict.ok) throw new ConnectionRefused(verdict.code, verdict.reason, 'presence refused', verdict.detail)
    if (verdict.clientId === null || verdict.update === null) return
    if (connection.awarenessId === null) {
      const owner = this.owners.get(verdict.clientId)
      // The same user's stale socket (a network hiccup the server has not noticed) hands over; anyone else is refused.
      if (owner && owner !== connection && owner.userId !== connection.userId) {
        throw new ConnectionRefused(closeCodes.forged, 'aanwezigheid van een andere verbinding', 'presence for another connection’s client id', `client ${verdict.clientId}`)
      }
      connection.awarenessId = verdict.clientId
      this.owners.set(verdict.clientId, connection)
    }
    const screened = verdict.update
    connection.presence.offer(() => {
      if (!connection.closed) awarenessProtocol.applyAwarenessUpdate(this.awareness, screened, connection)
    })
  }

  /** A view computed at most once per version of the document: members' pages ask for the draft's text on every request. */
  view<T>(name: string, compute: () => T): T {
    if (!this.views.has(name)) this.views.set(name, compute())
    return this.views.get(name) as T
  }

  /** What a change applied: to every socket, to the writer (unless another process stores it) and to the listeners. */
  private changed(update: Uint8Array, origin: unknown) {
    this.views.clear()
    const from = origin instanceof Object && 'socket' in origin ? (origin as Connection) : null
    this.broadcast(framed(messageSync, syncProtocol.messageYjsUpdate, update))
    for (const listener of this.changeListeners) listener(update, origin)
    // Another process's update: that process stores it (server/collab/relay.ts).
    if (origin === relayOrigin) return
    this.writer.add(this.name, update, from?.userId ?? null)
  }

  /** Stores the whole document once more (what a crashed peer process relayed here may never have been written). */
  storeWholeState() {
    this.writer.add(this.name, Y.encodeStateAsUpdate(this.doc), null)
  }

  private syncStep2Message(stateVector?: Uint8Array) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageSync)
    syncProtocol.writeSyncStep2(encoder, this.doc, stateVector)
    return encoding.toUint8Array(encoder)
  }

  private awarenessMessage(clients: number[]) {
    return framed(messageAwareness, null, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
  }

  /** One frame for every socket: encoded once, sent as the same Buffer (ws wraps anything else anew per send). */
  private broadcast(message: Buffer) {
    for (const socket of this.connections.keys()) this.send(socket, message)
  }

  // No callback per send: a failed write errors the socket, and its 'error' handler ends it.
  private send(socket: WebSocket, message: Uint8Array) {
    if (socket.readyState !== socket.OPEN) return
    corkUntilNextTurn(socket)
    socket.send(message)
  }
}

/** Sockets written to in this turn of the event loop, held back until it ends. */
const corked = new Set<Duplex>()

/**
 * Every frame a socket gets in one turn of the event loop (ten clients typing in the same
 * instant: ten updates for every socket) leaves in one write: the socket is corked at its first
 * frame and uncorked once the messages already received are handled. On loopback and on real
 * networks alike, a write is a system call and a packet: per frame, they cost more than the frame.
 */
function corkUntilNextTurn(socket: WebSocket) {
  const stream = (socket as WebSocket & { _socket?: Duplex })._socket
  if (!stream || corked.has(stream)) return
  if (corked.size === 0) setImmediate(uncorkAll)
  corked.add(stream)
  stream.cork()
}

function uncorkAll() {
  for (const stream of corked) stream.uncork()
  corked.clear()
}

/** No structs and an empty delete set (v1): what a client that has nothing new answers to our sync step 1. */
function isEmptyUpdate(update: Uint8Array) {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}

/**
 * A y-websocket message: its type (and sync message type), then the payload with its varuint length —
 * what lib0's encoder writes, into one Buffer from Node's pool instead of an encoder's growing chunks.
 */
function framed(type: number, syncType: number | null, payload: Uint8Array): Buffer {
  let lengthBytes = 1
  for (let rest = payload.length >>> 7; rest > 0; rest >>>= 7) lengthBytes += 1
  const header = (syncType === null ? 1 : 2) + lengthBytes
  const frame = Buffer.allocUnsafe(header + payload.length)
  frame[0] = type
  if (syncType !== null) frame[1] = syncType
  let at = header - lengthBytes
  let rest = payload.length
  while (rest > 0x7f) {
    frame[at++] = 0x80 | (rest & 0x7f)
    rest >>>= 7
  }
  frame[at] = rest
  frame.set(payload, header)
  return frame
}
