import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { WebSocket } from 'ws'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Database } from '#server/db/client'
import { logger } from '#server/logger'
import { appendUpdate, compactDocument } from './persistence'

// y-websocket's message types.
export const messageSync = 0
export const messageAwareness = 1
export const messageQueryAwareness = 3

export type Connection = { socket: WebSocket; userId: number; awarenessClients: Set<number> }

export type RoomTiming = {
  /** Longest time an update waits in memory before it is written. */
  writeWindowMs: number
  /** Stored updates after which the document is compacted into one state row. */
  compactAfterUpdates: number
}

/**
 * One live document in memory: its Yjs doc, awareness, connected sockets and its
 * own write schedule (never shared between documents).
 */
export class DocumentRoom {
  readonly awareness: awarenessProtocol.Awareness
  readonly connections = new Map<WebSocket, Connection>()
  private pending: Array<{ update: Uint8Array; userId: number | null }> = []
  private writeTimer: NodeJS.Timeout | null = null
  private writing: Promise<void> = Promise.resolve()
  private storedSinceCompaction: number
  private failedWrites = 0

  constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    private readonly db: Database,
    private readonly timing: RoomTiming,
    storedUpdates: number,
  ) {
    this.storedSinceCompaction = storedUpdates
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.awareness.setLocalState(null)
    doc.on('update', (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin))
    this.awareness.on('update', ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>, origin: unknown) => {
      const connection = origin instanceof Object && 'socket' in origin ? (origin as Connection) : undefined
      if (connection) {
        added.forEach((client) => connection.awarenessClients.add(client))
        removed.forEach((client) => connection.awarenessClients.delete(client))
      }
      const changed = [...added, ...updated, ...removed]
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, messageAwareness)
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed))
      this.broadcast(encoding.toUint8Array(encoder))
    })
  }

  get isEmpty() {
    return this.connections.size === 0
  }

  /** Greets a new client: our state vector (sync step 1) and who is here. */
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
    this.connections.delete(socket)
    awarenessProtocol.removeAwarenessStates(this.awareness, [...connection.awarenessClients], null)
  }

  /**
   * Handles one binary message from a client. Throws on malformed input; the
   * caller closes that socket only. Updates are decoded before they are applied,
   * so garbage never reaches the shared document.
   */
  receive(connection: Connection, message: Uint8Array) {
    const decoder = decoding.createDecoder(message)
    const type = decoding.readVarUint(decoder)
    if (type === messageSync) {
      const syncType = decoding.readVarUint(decoder)
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        const stateVector = decoding.readVarUint8Array(decoder)
        Y.decodeStateVector(stateVector)
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, messageSync)
        syncProtocol.writeSyncStep2(encoder, this.doc, stateVector)
        this.send(connection.socket, encoding.toUint8Array(encoder))
      } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
        const update = decoding.readVarUint8Array(decoder)
        Y.decodeUpdate(update)
        Y.applyUpdate(this.doc, update, connection)
      } else {
        throw new Error(`unknown sync message ${syncType}`)
      }
    } else if (type === messageAwareness) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), connection)
    } else if (type === messageQueryAwareness) {
      this.send(connection.socket, this.awarenessMessage([...this.awareness.getStates().keys()]))
    } else {
      throw new Error(`unknown message type ${type}`)
    }
  }

  /** Changes made on the server (restore, accepted suggestion) go through here like any client's. */
  transact(change: (doc: Y.Doc) => void, origin: unknown = 'server') {
    this.doc.transact(() => change(this.doc), origin)
  }

  /** Writes everything pending now; resolves once it is in the database. */
  async flush() {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    this.writing = this.writing.then(() => this.writePending())
    await this.writing
  }

  /** Final write and compaction before the room leaves memory. */
  async persistAndCompact() {
    await this.flush()
    if (this.pending.length > 0) throw new Error(`document ${this.name}: pending updates could not be written`)
    if (this.storedSinceCompaction > 0) {
      await compactDocument(this.db, this.name, this.doc)
      this.storedSinceCompaction = 0
    }
  }

  destroy() {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    for (const socket of this.connections.keys()) socket.close(1001, 'server gaat uit')
    this.awareness.destroy()
    this.doc.destroy()
  }

  private onUpdate(update: Uint8Array, origin: unknown) {
    const from = origin instanceof Object && 'socket' in origin ? (origin as Connection) : null
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageSync)
    syncProtocol.writeUpdate(encoder, update)
    this.broadcast(encoding.toUint8Array(encoder), from?.socket)
    this.pending.push({ update, userId: from?.userId ?? null })
    this.writeTimer ??= setTimeout(() => void this.flush(), this.timing.writeWindowMs)
  }

  private async writePending() {
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    const update = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((item) => item.update))
    const editors = [...new Set(batch.map((item) => item.userId).filter((id): id is number => id !== null))]
    try {
      await appendUpdate(this.db, this.name, update, editors)
      this.failedWrites = 0
      this.storedSinceCompaction += 1
      if (this.storedSinceCompaction >= this.timing.compactAfterUpdates) {
        await compactDocument(this.db, this.name, this.doc)
        this.storedSinceCompaction = 0
      }
    } catch (error) {
      // Keep the updates and try again with growing pauses: a database hiccup must not lose text.
      this.pending = [...batch, ...this.pending]
      this.failedWrites += 1
      const retryInMs = Math.min(30_000, this.timing.writeWindowMs * 2 ** this.failedWrites)
      logger.error({ err: error, document: this.name, retryInMs }, 'writing live document updates failed')
      this.writeTimer ??= setTimeout(() => void this.flush(), retryInMs)
    }
  }

  private awarenessMessage(clients: number[]) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageAwareness)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
    return encoding.toUint8Array(encoder)
  }

  private broadcast(message: Uint8Array, except?: WebSocket) {
    for (const socket of this.connections.keys()) if (socket !== except) this.send(socket, message)
  }

  private send(socket: WebSocket, message: Uint8Array) {
    if (socket.readyState !== socket.OPEN) return
    socket.send(message, (error) => {
      if (error) socket.terminate()
    })
  }
}
