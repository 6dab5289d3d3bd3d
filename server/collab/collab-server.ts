import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { sql } from 'drizzle-orm'
import { WebSocketServer, type WebSocket } from 'ws'
import * as Y from 'yjs'
import type { Authentication } from '#server/auth/sessions'
import type { Database } from '#server/db/client'
import { logger } from '#server/logger'
import { ConnectionRefused, DocumentRoom, closeCodes, newConnection, type RoomRules } from './document-room'
import { DocumentWriter, type WriterTiming } from './document-writer'
import { handbookRules } from './handbook-rules'
import { LogLimiter } from './log-limiter'
import { batched } from './batched'
import { loadDocuments, type StoredDocument } from './persistence'
import { defaultPresenceLimits, type PresenceLimits } from './presence-limits'
import type { DocumentRelay } from './relay'
import type { SchemaRules } from './schema-rules'

export const collabPathPrefix = '/collab/'
/** Larger messages close the socket (ws answers 1009); nobody types 2 MB at once. */
export const maxMessageBytes = 2 * 1024 * 1024

/** Who connects: the session's user and session, and the name the others see as this connection's presence. */
export type UpgradeDecision = { allowed: true; userId: number; sessionId: string; name: string } | { allowed: false; status: 400 | 401 | 403 | 404 }

export type CollabOptions = WriterTiming & {
  /** Who may open which document; checked before the upgrade completes. */
  authorize: (request: IncomingMessage, document: string) => Promise<UpgradeDecision>
  /** Of these sessions, the ones whose user still may edit (session not ended or expired, user not disabled or demoted). */
  stillAllowedSessions: (sessionIds: string[]) => Promise<Set<string>>
  /** Ending access also forgets what `authorize` remembers of that user or those sessions. */
  forgetUser: (userId: number) => void
  forgetSessions: (sessionIds: string[]) => void
  /** Counts access endings (forgetUser / forgetSessions): an upgrade that waited across one asks again. */
  accessGeneration: () => number
  /** A page checked this session at that access generation: its socket needs no lookup for a while. */
  admit: (token: string, authentication: Authentication, checkedIn: number) => void
  /** How often every live socket's session is checked again, for sessions that simply expire. */
  sessionCheckIntervalMs: number
  /**
   * How to build the first content (a Yjs update) of a document with nothing stored, or null if there is
   * no such document. Built anywhere, it must be the same bytes: it is stored like any edit, within the
   * write window, and two processes starting the document at once both apply and store it.
   */
  initialContent: (document: string) => Promise<(() => Uint8Array) | null>
  /** How long a document stays in memory after its last client left. */
  unloadAfterMs: number
  pingIntervalMs: number
  /** What may enter a document; the handbook schema unless a test says otherwise. */
  schema?: SchemaRules
  presence?: Partial<PresenceLimits>
  /** How long and how much a client's updates may wait for its own sync step 2 (after a server restart). */
  hold?: Partial<RoomRules['hold']>
  /** Several processes (REDIS_URL): live documents shared with the others through Redis. */
  relay?: DocumentRelay
}

/** The session a socket was opened with: ending that session closes it. */
type LiveSocket = WebSocket & { isAlive?: boolean; sessionId?: string }
type LiveConnection = { room: DocumentRoom; socket: LiveSocket; userId: number }
type StoredRead = { stored: Promise<StoredDocument>; initialContent: ReturnType<CollabOptions['initialContent']> | null; unloads: number }

/**
 * The server side of the y-websocket protocol on our own HTTP server, with
 * documents persisted in Postgres. Per document, loading and unloading are
 * serialised, and a document is synced to clients only after it has loaded.
 */
export class CollabServer {
  private readonly rooms = new Map<string, DocumentRoom>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>()
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes })
  private readonly pingTimer: NodeJS.Timeout
  private readonly sessionCheckTimer: NodeJS.Timeout
  private closing = false
  private readonly rules: RoomRules
  private readonly warnings = new LogLimiter(logger)
  private readonly writer: DocumentWriter
  /** Documents this process found stored: their opening does not ask for a first content. */
  private readonly seenStored = new Set<string>()
  /** Counts documents gone from memory: a read begun before one of them left may predate its final write. */
  private unloads = 0
  /** Early reads under way, shared by every upgrade waiting for that document: a meeting starting reads it once, not once per socket. */
  private readonly earlyReads = new Map<string, StoredRead & { waiting: number }>()
  // Documents opening at the same moment are read together.
  private readonly load = batched(async (documents: Map<string, null>) => loadDocuments(this.db, [...documents.keys()]))

  constructor(
    private readonly db: Database,
    private readonly options: CollabOptions,
  ) {
    this.rules = {
      schema: options.schema ?? handbookRules,
      presence: { ...defaultPresenceLimits, ...options.presence },
      hold: { ms: 5000, bytes: 512 * 1024, ...options.hold },
      warnings: this.warnings,
    }
    this.writer = new DocumentWriter(db, options)
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs)
    this.pingTimer.unref()
    this.sessionCheckTimer = setInterval(() => void this.recheckAll().catch((error) => logger.error({ err: error }, 'checking live sessions failed')), options.sessionCheckIntervalMs)
    this.sessionCheckTimer.unref()
  }

  attach(server: Server) {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!request.url?.startsWith(collabPathPrefix)) return
      void this.upgrade(request, socket, head)
    })
  }

  /**
   * The live document, loaded (or first created) if needed. For publishing, restoring and suggestions;
   * an upgrade passes the read it started beside its session check.
   */
  async open(document: string, early?: StoredRead): Promise<DocumentRoom | null> {
    const loaded = this.rooms.get(document)
    if (loaded) return this.handOut(loaded)
    return this.exclusively(document, async () => {
      const existing = this.rooms.get(document)
      if (existing) return this.handOut(existing)
      // A read from before an unload here may lack that unload's final write: read again.
      const { stored: reading, initialContent } = early && early.unloads === this.unloads ? early : this.read(document)
      const stored = await reading
      if (!stored.exists) {
        const build = await (initialContent ?? this.options.initialContent(document))
        if (!build) return null
        const first = build()
        Y.applyUpdate(stored.doc, first)
        this.writer.add(document, first, null)
      }
      this.seenStored.add(document)
      if (stored.droppedPending) this.warnings.warn('pending structs on load', { document }, 'dropped pending Yjs structs from a stored document')
      this.writer.noteStored(document, stored.storedUpdates)
      const room = new DocumentRoom(document, stored.doc, this.writer, this.rules)
      // Caught up with the processes that have it live before any client is served.
      await this.options.relay?.attach(room)
      this.rooms.set(document, room)
      return this.handOut(room)
    })
  }

  /**
   * What is stored of a document, read only: nothing is kept or written, so a read for a socket that is
   * then refused leaves nothing behind. A document not seen stored asks for its first content beside
   * it (one wait instead of two in a row); that is only the published text, built into Yjs only if
   * nothing is stored.
   */
  private read(document: string): StoredRead {
    const initialContent = this.seenStored.has(document) ? null : this.options.initialContent(document)
    const stored = this.load(document, null)
    initialContent?.catch(() => {})
    stored.catch(() => {})
    return { stored, initialContent, unloads: this.unloads }
  }

  /** The early read of this document under way, or a new one; kept while an upgrade waits for it. */
  private readEarly(document: string) {
    let early = this.earlyReads.get(document)
    if (!early || early.unloads !== this.unloads) {
      early = { ...this.read(document), waiting: 0 }
      this.earlyReads.set(document, early)
    }
    early.waiting += 1
    return early
  }

  private doneWithEarly(document: string, early: StoredRead & { waiting: number }) {
    early.waiting -= 1
    if (early.waiting === 0 && this.earlyReads.get(document) === early) this.earlyReads.delete(document)
  }

  /**
   * A room without clients (asked for by the server alone: a publish, a restore; or a socket about to
   * join, which cancels it) leaves memory again in due time: its unload is asked for afresh, which also
   * tells an unload already under way that the room was handed out.
   */
  private handOut(room: DocumentRoom) {
    if (room.isEmpty) this.scheduleUnload(room.name)
    else this.cancelUnload(room.name)
    return room
  }

  /** Access endings so far: a session checked before this number changed may predate an end. */
  accessGeneration() {
    return this.options.accessGeneration()
  }

  /**
   * A member's editor page was just served (their session checked at access generation `checkedIn`):
   * its script opens a socket in a moment. That socket is admitted without a second session lookup,
   * and the document starts loading now, so the socket's sync is answered from memory; with no socket
   * coming, it leaves memory after the usual grace period.
   */
  expect(document: string, token: string, authentication: Authentication, checkedIn: number) {
    this.options.admit(token, authentication, checkedIn)
    if (this.closing) return
    const early = this.rooms.has(document) ? undefined : this.readEarly(document)
    void this.open(document, early)
      .catch((error) => this.warnings.warn('preload failed', { document, err: error }, 'could not load a document ahead of its editor'))
      .finally(() => early && this.doneWithEarly(document, early))
  }

  /** Closes the sockets of a user who may no longer edit (disabled, demoted, sessions gone). */
  async recheckUser(userId: number) {
    this.options.forgetUser(userId)
    await this.closeUnlessAllowed(this.liveSockets().filter((live) => live.userId === userId))
  }

  /** Every live socket against the database in one query: catches sessions that expired on their own. */
  async recheckAll() {
    await this.closeUnlessAllowed(this.liveSockets())
  }

  /** Closes exactly the sockets opened with these sessions (logout, ended elsewhere, new password). */
  closeSessions(sessionIds: string[]) {
    this.options.forgetSessions(sessionIds)
    const ended = new Set(sessionIds)
    for (const live of this.liveSockets()) if (live.socket.sessionId && ended.has(live.socket.sessionId)) endAccess(live, 4401, 'sessie beëindigd')
  }

  private liveSockets(): LiveConnection[] {
    return [...this.rooms.values()].flatMap((room) => [...room.connections.values()].map((connection) => ({ room, socket: connection.socket as LiveSocket, userId: connection.userId })))
  }

  private async closeUnlessAllowed(connections: LiveConnection[]) {
    if (connections.length === 0) return
    const allowed = await this.options.stillAllowedSessions([...new Set(connections.map(({ socket }) => socket.sessionId ?? ''))])
    for (const live of connections) if (!allowed.has(live.socket.sessionId ?? '')) endAccess(live, 4403, 'geen toegang meer')
  }

  /** The live document if it is in memory now (no loading). */
  loadedRoom(document: string): DocumentRoom | undefined {
    return this.rooms.get(document)
  }

  get loadedDocuments() {
    return [...this.rooms.keys()]
  }

  /** Closes every socket with 1001 "going away" (so no edit arrives after the final write), then writes (who edited included) and compacts every document. */
  async close() {
    this.closing = true
    clearInterval(this.pingTimer)
    clearInterval(this.sessionCheckTimer)
    const sockets = [...this.sockets.clients]
    await Promise.all(sockets.map((socket) => goAway(socket)))
    for (const timer of this.unloadTimers.values()) clearTimeout(timer)
    this.unloadTimers.clear()
    await Promise.all([...this.rooms.keys()].map((name) => this.exclusively(name, () => this.unloadNow(name, true))))
    for (const timer of this.unloadTimers.values()) clearTimeout(timer)
    await this.writer.close()
    this.sockets.close()
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    try {
      if (this.closing) return refuse(socket, 503)
      const document = documentNameOf(request.url ?? '')
      if (document === null) return refuse(socket, 400)
      if (!/^[a-z0-9-]{1,120}$/.test(document)) return refuse(socket, 404)
      const endsBefore = this.options.accessGeneration()
      // The document is read while the session is checked: a join waits for the slower of the two, not
      // both. Only for a request that could pass (a refused one leaves nothing: the read keeps nothing).
      const mayPass = Boolean(request.headers.cookie && request.headers.origin)
      const early = mayPass && !this.rooms.has(document) ? this.readEarly(document) : undefined
      let room: DocumentRoom | null
      let decision: UpgradeDecision
      try {
        decision = await this.options.authorize(request, document)
        if (!decision.allowed) return refuse(socket, decision.status)
        room = await this.open(document, early)
      } finally {
        if (early) this.doneWithEarly(document, early)
      }
      if (!room) return refuse(socket, 404)
      // Access ended somewhere while this socket waited for its document: the socket was not live yet, so
      // nothing closed it. Ask again (what authorize remembered of ended sessions is forgotten by now).
      if (this.options.accessGeneration() !== endsBefore) decision = await this.options.authorize(request, document)
      if (!decision.allowed) return refuse(socket, decision.status)
      this.cancelUnload(document)
      this.sockets.handleUpgrade(request, socket, head, (websocket: LiveSocket) => {
        websocket.sessionId = decision.sessionId
        this.connect(room, websocket, decision.userId, decision.name)
      })
    } catch (error) {
      logger.error({ err: error }, 'collab upgrade failed')
      refuse(socket, 500)
    }
  }

  private connect(room: DocumentRoom, socket: LiveSocket, userId: number, name: string) {
    const connection = newConnection(socket, userId, name, this.rules.presence)
    socket.isAlive = true
    socket.binaryType = 'nodebuffer'
    socket.on('pong', () => (socket.isAlive = true))
    socket.on('message', (data, isBinary) => {
      // A socket is done once it is refused: frames already on the wire after the bad one are not handled.
      if (connection.closed || socket.readyState !== socket.OPEN) return
      try {
        if (!isBinary) throw new Error('text frame')
        room.receive(connection, new Uint8Array(data as Buffer))
      } catch (error) {
        // Malformed or refused input ends this connection only; the document and other clients go on.
        room.refuse(connection, error instanceof ConnectionRefused ? error : new ConnectionRefused(closeCodes.malformed, 'ongeldig bericht', 'malformed collab message', error instanceof Error ? error.message : String(error)))
      }
    })
    socket.on('error', () => socket.terminate())
    socket.on('close', () => {
      room.leave(socket)
      if (room.isEmpty) this.scheduleUnload(room.name)
    })
    room.join(connection)
  }

  private scheduleUnload(document: string) {
    this.cancelUnload(document)
    const timer = setTimeout(() => {
      this.unloadTimers.delete(document)
      void this.exclusively(document, () => this.unloadNow(document, false))
    }, this.options.unloadAfterMs)
    timer.unref()
    this.unloadTimers.set(document, timer)
  }

  private cancelUnload(document: string) {
    const timer = this.unloadTimers.get(document)
    if (timer) clearTimeout(timer)
    this.unloadTimers.delete(document)
  }

  /** Leaves memory only after the final write succeeded; otherwise stays and tries again later. */
  private async unloadNow(document: string, force: boolean) {
    const room = this.rooms.get(document)
    if (!room || (!force && !room.isEmpty)) return
    try {
      await room.persistAndCompact()
    } catch (error) {
      logger.error({ err: error, document }, 'could not persist document before unloading; keeping it in memory')
      if (!force) this.scheduleUnload(document)
      return
    }
    // open() hands out a loaded room without waiting for this lock: a client (or a publish) that got it
    // while it was being written keeps it (handOut asked for a new unload, or the client is still there),
    // and an edit that came in meanwhile is written before it goes.
    if (!force && (!room.isEmpty || this.unloadTimers.has(document) || this.writer.unwritten(document))) {
      if (room.isEmpty) this.scheduleUnload(document)
      return
    }
    this.rooms.delete(document)
    this.unloads += 1
    await this.options.relay?.detach(room)
    room.destroy()
  }

  /** Runs work for one document after all earlier work for it: load and unload never interleave. */
  private exclusively<T>(document: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(document) ?? Promise.resolve()
    const next = previous.catch(() => {}).then(work)
    this.locks.set(document, next)
    void next.finally(() => {
      if (this.locks.get(document) === next) this.locks.delete(document)
    }).catch(() => {})
    return next
  }

  private pingAll() {
    for (const socket of this.sockets.clients as Set<LiveSocket>) {
      if (!socket.isAlive) {
        socket.terminate()
        continue
      }
      socket.isAlive = false
      socket.ping()
    }
  }
}

/**
 * Access ended: not one more frame from this socket is handled, it leaves the room
 * (no edits or presence go to it) before a slow peer finishes the close handshake, and it is told why.
 */
function endAccess({ room, socket }: LiveConnection, code: number, reason: string) {
  if (socket.readyState !== socket.OPEN) return
  socket.removeAllListeners('message')
  room.leave(socket)
  socket.close(code, reason)
}

/** Ends a socket with 1001; one that does not answer the closing handshake within 2 s is cut. */
function goAway(socket: WebSocket) {
  return new Promise<void>((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve()
    const cut = setTimeout(() => socket.terminate(), 2000)
    socket.once('close', () => {
      clearTimeout(cut)
      resolve()
    })
    socket.close(1001, 'server gaat uit')
  })
}

/** The document named by a websocket path, or null when the path cannot be read (a bad % escape). */
export function documentNameOf(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url, 'http://localhost').pathname.slice(collabPathPrefix.length))
  } catch {
    return null
  }
}

function refuse(socket: Duplex, status: number) {
  const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' }
  socket.end(`HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}
