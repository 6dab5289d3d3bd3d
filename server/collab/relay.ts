import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { logger } from '#server/logger'
import type { RedisBus } from '#server/redis'
import type { DocumentRoom } from './document-room'

/**
 * Origin of updates and presence that came from another process: shown to this process's
 * clients, never stored here (the process that received it from its client stores it) and
 * never published again (no echo). See docs/decisions/012-several-processes.md.
 */
export const relayOrigin = Symbol('relay')

const kind = { update: 0, presence: 1, hello: 2, answer: 3, diff: 4 } as const

type Relayed = {
  room: DocumentRoom
  /** Presence client id → the process whose client it is (removed when that process is gone). */
  remotePresence: Map<number, string>
  /** Processes that sent this document changes: if one dies, what it relayed may never have been written. */
  peersHeard: Set<string>
  answered: (() => void) | null
  stop: () => void
}

/**
 * Live documents across processes over Redis pub/sub, one channel per loaded document.
 * A process that loads a document asks the others for what it lacks (its state vector, sync
 * step 1); each answers with the difference and its own state vector, and gets back what it lacks.
 */
export class DocumentRelay {
  private readonly rooms = new Map<string, Relayed>()
  private readonly checkTimer: NodeJS.Timeout
  private readonly stopReconnect: () => void

  constructor(
    private readonly bus: RedisBus,
    /** How long loading waits for another process's answer before it serves what it has. */
    private readonly catchUpMs = 2000,
  ) {
    this.stopReconnect = bus.onReconnect(() => {
      for (const relayed of this.rooms.values()) void this.hello(relayed.room).catch(() => {})
    })
    this.checkTimer = setInterval(() => void this.dropLostPeers().catch((error) => logger.warn({ err: error }, 'checking peer processes failed')), Math.max(100, Math.floor(bus.processTtlMs / 2)))
    this.checkTimer.unref()
  }

  /** Joins a freshly loaded room to the other processes; resolves once it has caught up (or waited catchUpMs). */
  async attach(room: DocumentRoom) {
    const relayed: Relayed = { room, remotePresence: new Map(), peersHeard: new Set(), answered: null, stop: () => {} }
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin !== relayOrigin) this.send(room.name, kind.update, '', (encoder) => encoding.writeVarUint8Array(encoder, update))
    }
    const onPresence = ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>, origin: unknown) => {
      if (origin === relayOrigin) return
      // Only this process's own clients: a relayed state that expired here is not news for anyone.
      const own = [...added, ...updated, ...removed].filter((id) => !relayed.remotePresence.has(id))
      for (const id of removed) relayed.remotePresence.delete(id)
      if (own.length > 0) {
        const update = awarenessProtocol.encodeAwarenessUpdate(room.awareness, own)
        this.send(room.name, kind.presence, '', (encoder) => encoding.writeVarUint8Array(encoder, update))
      }
    }
    const stopChanges = room.onChange(onUpdate)
    room.awareness.on('update', onPresence)
    relayed.stop = () => {
      stopChanges()
      room.awareness.off('update', onPresence)
    }
    this.rooms.set(room.name, relayed)
    try {
      await this.bus.subscribe(channelOf(room.name), (message) => this.receive(relayed, message))
      if ((await this.bus.listeners(channelOf(room.name))) <= 1) return
      const answered = new Promise<void>((resolve) => (relayed.answered = resolve))
      await this.hello(room)
      await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, this.catchUpMs).unref())])
    } catch (error) {
      // Redis away: serve what the database has; the reconnect catches up.
      logger.warn({ err: error, document: room.name }, 'live document could not catch up through Redis')
    } finally {
      relayed.answered = null
    }
  }

  /** The room leaves memory: stop listening (no channel outlives its document). */
  async detach(room: DocumentRoom) {
    const relayed = this.rooms.get(room.name)
    if (!relayed || relayed.room !== room) return
    relayed.stop()
    this.rooms.delete(room.name)
    await this.bus.unsubscribe(channelOf(room.name)).catch((error) => logger.warn({ err: error, document: room.name }, 'unsubscribing a document failed'))
  }

  close() {
    clearInterval(this.checkTimer)
    this.stopReconnect()
  }

  private hello(room: DocumentRoom) {
    const stateVector = Y.encodeStateVector(room.doc)
    return this.send(room.name, kind.hello, '', (encoder) => encoding.writeVarUint8Array(encoder, stateVector))
  }

  private receive(relayed: Relayed, message: Buffer) {
    const { room } = relayed
    const decoder = decoding.createDecoder(new Uint8Array(message))
    const sender = decoding.readVarString(decoder)
    const type = decoding.readVarUint(decoder)
    const target = decoding.readVarString(decoder)
    if (sender === this.bus.processId || (target !== '' && target !== this.bus.processId)) return
    if (type === kind.update || type === kind.diff) {
      relayed.peersHeard.add(sender)
      const update = decoding.readVarUint8Array(decoder)
      room.transact((doc) => Y.applyUpdate(doc, update), relayOrigin)
    } else if (type === kind.presence) {
      this.applyPresence(relayed, sender, decoding.readVarUint8Array(decoder))
    } else if (type === kind.hello) {
      const theirs = decoding.readVarUint8Array(decoder)
      const diff = Y.encodeStateAsUpdate(room.doc, theirs)
      const stateVector = Y.encodeStateVector(room.doc)
      const own = [...room.awareness.getStates().keys()].filter((id) => !relayed.remotePresence.has(id))
      const presence = awarenessProtocol.encodeAwarenessUpdate(room.awareness, own)
      void this.send(room.name, kind.answer, sender, (encoder) => {
        encoding.writeVarUint8Array(encoder, diff)
        encoding.writeVarUint8Array(encoder, stateVector)
        encoding.writeVarUint8Array(encoder, presence)
      })
    } else if (type === kind.answer) {
      relayed.peersHeard.add(sender)
      const update = decoding.readVarUint8Array(decoder)
      room.transact((doc) => Y.applyUpdate(doc, update), relayOrigin)
      const theirs = decoding.readVarUint8Array(decoder)
      this.applyPresence(relayed, sender, decoding.readVarUint8Array(decoder))
      // What only this process has (loaded from rows the other never saw) goes back.
      const diff = Y.encodeStateAsUpdate(room.doc, theirs)
      void this.send(room.name, kind.diff, sender, (encoder) => encoding.writeVarUint8Array(encoder, diff))
      relayed.answered?.()
    }
  }

  private applyPresence(relayed: Relayed, sender: string, update: Uint8Array) {
    const reader = decoding.createDecoder(update)
    const count = decoding.readVarUint(reader)
    for (let index = 0; index < count; index++) {
      const clientId = decoding.readVarUint(reader)
      decoding.readVarUint(reader)
      const state = decoding.readVarString(reader)
      if (state === 'null') relayed.remotePresence.delete(clientId)
      else relayed.remotePresence.set(clientId, sender)
    }
    awarenessProtocol.applyAwarenessUpdate(relayed.room.awareness, update, relayOrigin)
  }

  /**
   * A process that stopped beating (crashed, or shut down) takes its clients' presence with it;
   * and what it relayed here may have died in its write window, so this process stores the whole
   * document once (its clients reconnect here and re-send anything else).
   */
  private async dropLostPeers() {
    const peers = new Set<string>()
    for (const relayed of this.rooms.values()) {
      for (const peer of relayed.remotePresence.values()) peers.add(peer)
      for (const peer of relayed.peersHeard) peers.add(peer)
    }
    if (peers.size === 0) return
    const alive = await this.bus.alive([...peers])
    for (const relayed of this.rooms.values()) {
      const gone = [...relayed.remotePresence].filter(([, peer]) => !alive.has(peer)).map(([id]) => id)
      for (const id of gone) relayed.remotePresence.delete(id)
      if (gone.length > 0) awarenessProtocol.removeAwarenessStates(relayed.room.awareness, gone, relayOrigin)
      const lost = [...relayed.peersHeard].filter((peer) => !alive.has(peer))
      if (lost.length === 0) continue
      for (const peer of lost) relayed.peersHeard.delete(peer)
      logger.warn({ document: relayed.room.name, processes: lost.length }, 'a process that edited this document is gone; storing the document again')
      relayed.room.storeWholeState()
    }
  }

  private async send(document: string, type: number, target: string, write: (encoder: encoding.Encoder) => void) {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, this.bus.processId)
    encoding.writeVarUint(encoder, type)
    encoding.writeVarString(encoder, target)
    write(encoder)
    try {
      await this.bus.publish(channelOf(document), Buffer.from(encoding.toUint8Array(encoder)))
    } catch (error) {
      // Redis away: nothing is lost, the state-vector exchange after the reconnect brings it over.
      logger.warn({ err: error, document }, 'publishing to Redis failed')
    }
  }
}

function channelOf(document: string) {
  return `doc:${document}`
}
