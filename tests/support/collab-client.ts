import type { JSONContent } from '@tiptap/core'
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { documentPlainText } from '#server/handbook/render'

export type CollabClient = {
  doc: Y.Doc
  provider: WebsocketProvider
  text: () => string
  /** Appends a paragraph, as typing a new paragraph at the end of the section would. */
  addParagraph: (text: string) => void
  close: () => void
}

/** An unmodified y-websocket client in Node, with `ws` carrying the session cookie and Origin. */
export function connectClient(baseUrl: string, document: string, cookie: string, origin = baseUrl, doc = new Y.Doc()): CollabClient {
  class BrowserLikeSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { Cookie: cookie, Origin: origin } })
    }
  }
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/collab', document, doc, {
    WebSocketPolyfill: BrowserLikeSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  })
  const fragment = doc.getXmlFragment('default')
  return {
    doc,
    provider,
    text: () => documentPlainText(yXmlFragmentToProsemirrorJSON(fragment) as JSONContent),
    addParagraph: (text) => {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText(text)])
      fragment.insert(fragment.length, [paragraph])
    },
    close: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

// The default bounds only a failure: a passing wait ends as soon as its condition holds, and a machine
// whose CPUs are busy elsewhere can take many times the usual few milliseconds for a socket round trip.
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition') {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export function waitForSync(client: CollabClient) {
  return waitFor(() => client.provider.synced, 30_000, 'sync')
}

/** Opens a raw socket (no y-websocket client) and reports how the server ends it. */
export function rawSocket(baseUrl: string, document: string, headers: Record<string, string>) {
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/collab/' + document, { headers })
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const refused = new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)))
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
  socket.on('error', () => {})
  return { socket, opened, refused, closed }
}

/** A y-websocket sync frame (1 = sync step 2, 2 = update) carrying a Yjs update. */
export function syncFrame(syncType: 1 | 2, update: Uint8Array) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** A y-websocket awareness frame with the given entries, as y-protocols encodes them. */
export function awarenessFrame(entries: Array<{ clientId: number; clock: number; state: unknown }>) {
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(inner, entry.clientId)
    encoding.writeVarUint(inner, entry.clock)
    encoding.writeVarString(inner, JSON.stringify(entry.state))
  }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner))
  return encoding.toUint8Array(encoder)
}

/** A Yjs update (v1) with no content and one deletion: `length` clocks of `client` from `clock`. */
export function deletionUpdate(client: number, clock: number, length: number) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0) // no structs
  encoding.writeVarUint(encoder, 1) // one client in the delete set
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarUint(encoder, length)
  return encoding.toUint8Array(encoder)
}

export type RawPeer = ReturnType<typeof rawPeer>

/**
 * A hand-driven Yjs peer on a raw socket: it sends sync step 1 on open and
 * applies what the server sends to its own doc, but sends only what the test
 * tells it to — the tool for playing a misbehaving member.
 */
export function rawPeer(baseUrl: string, document: string, cookie: string) {
  const raw = rawSocket(baseUrl, document, { Origin: baseUrl, Cookie: cookie })
  const doc = new Y.Doc()
  const awareness: Array<Map<number, unknown>> = []
  const awarenessBytes: number[] = []
  let synced = false
  let closeReason = ''
  raw.socket.on('close', (_code, reason) => (closeReason = reason.toString()))
  raw.socket.on('open', () => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, doc)
    raw.socket.send(encoding.toUint8Array(encoder))
  })
  raw.socket.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data))
    const type = decoding.readVarUint(decoder)
    if (type === 0) {
      if (syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, 'server') === syncProtocol.messageYjsSyncStep2) synced = true
    } else if (type === 1) {
      awarenessBytes.push(data.length)
      const update = decoding.readVarUint8Array(decoder)
      const states = new Map<number, unknown>()
      const reader = decoding.createDecoder(update)
      const count = decoding.readVarUint(reader)
      for (let index = 0; index < count; index++) {
        const clientId = decoding.readVarUint(reader)
        decoding.readVarUint(reader)
        states.set(clientId, JSON.parse(decoding.readVarString(reader)))
      }
      awareness.push(states)
    }
  })
  return {
    ...raw,
    doc,
    /** Awareness messages received, each as client id → state. */
    awareness,
    /** Sizes of the awareness frames received, in bytes. */
    awarenessBytes,
    synced: () => waitFor(() => synced, 10_000, 'raw peer sync'),
    closeReason: () => closeReason,
    send: (frame: Uint8Array) => raw.socket.send(frame),
    /** The update a change to this peer's own doc produces (not sent). */
    updateFrom(change: (doc: Y.Doc) => void) {
      let captured: Uint8Array | null = null
      const listener = (update: Uint8Array, origin: unknown) => {
        if (origin !== 'server') captured = captured ? Y.mergeUpdates([captured, update]) : update
      }
      doc.on('update', listener)
      doc.transact(() => change(doc), 'local')
      doc.off('update', listener)
      return captured ?? new Uint8Array([0, 0])
    },
  }
}
