import type { JSONContent } from '@tiptap/core'
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import WebSocket from 'ws'
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
export function connectClient(baseUrl: string, document: string, cookie: string, origin = baseUrl): CollabClient {
  const doc = new Y.Doc()
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

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export function waitForSync(client: CollabClient) {
  return waitFor(() => client.provider.synced, 10_000, 'sync')
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
