// Hocuspocus 3.4.4 as a peer for bench:collab: `PORT=… [DATABASE_URL=…] node bench/peers/hocuspocus.mjs`.
// With DATABASE_URL, the Database extension keeps one bytea row per document (fetch on load, store the
// full state on Hocuspocus's default debounce), as a production team would set it up. Plain JavaScript
// so the peer's RSS carries no TypeScript loader. Prints "ready" once it listens.
//
// Hocuspocus 2+ speaks a multiplexed protocol (the document name before every frame, an auth frame
// first); the same unmodified y-websocket clients as for the other servers connect here through a thin
// adapter: the document comes from the path as in y-websocket, incoming frames get the name put in
// front, outgoing frames have it taken off, and frames a y-websocket client has no use for (auth,
// sync status, stateless) are not sent. Its cost (a varstring per frame) is in this process's CPU.
import { EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import { Database } from '@hocuspocus/extension-database'
import { Hocuspocus } from '@hocuspocus/server'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import postgres from 'postgres'
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT)
const extensions = []
if (process.env.DATABASE_URL) {
  const sql = postgres(process.env.DATABASE_URL, { max: 10, onnotice: () => {} })
  await sql`create table if not exists documents (name text primary key, data bytea not null, updated_at timestamptz not null default now())`
  extensions.push(
    new Database({
      fetch: async ({ documentName }) => {
        const [row] = await sql`select data from documents where name = ${documentName}`
        return row ? new Uint8Array(row.data) : null
      },
      store: async ({ documentName, state }) => {
        await sql`insert into documents (name, data) values (${documentName}, ${Buffer.from(state)})
          on conflict (name) do update set data = excluded.data, updated_at = now()`
      },
    }),
  )
}
const hocuspocus = new Hocuspocus({ quiet: true, extensions })

const sync = 0
const awareness = 1
const auth = 2
const queryAwareness = 3
const syncReply = 4

/** What Hocuspocus sees as the client's socket: y-websocket frames with the document name put in front. */
class YWebsocketAdapter extends EventEmitter {
  constructor(socket, documentName) {
    super()
    this.setMaxListeners(0)
    this.socket = socket
    this.documentName = documentName
    socket.on('message', (data) => this.emit('message', this.named(new Uint8Array(data))))
    socket.on('pong', () => this.emit('pong'))
    socket.on('close', (code, reason) => this.emit('close', code, reason))
    socket.on('error', (error) => this.emit('error', error))
  }
  get readyState() {
    return this.socket.readyState
  }
  set binaryType(_value) {}
  named(frame) {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, this.documentName)
    encoding.writeUint8Array(encoder, frame)
    return encoding.toUint8Array(encoder)
  }
  /** The auth frame a Hocuspocus provider sends first (no token: this peer has no onAuthenticate). */
  authenticate() {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, this.documentName)
    encoding.writeVarUint(encoder, auth)
    encoding.writeVarUint(encoder, 0)
    encoding.writeVarString(encoder, '')
    this.emit('message', encoding.toUint8Array(encoder))
  }
  send(data, callback) {
    const decoder = decoding.createDecoder(data)
    decoding.readVarString(decoder)
    const type = data[decoder.pos]
    if (type !== sync && type !== syncReply && type !== awareness && type !== queryAwareness) return callback?.()
    const frame = data.slice(decoder.pos)
    if (type === syncReply) frame[0] = sync
    this.socket.send(frame, callback)
  }
  close(code, reason) {
    this.socket.close(code, reason)
  }
  ping() {
    this.socket.ping()
  }
}

const sockets = new WebSocketServer({ noServer: true })
const http = createServer((_request, response) => response.end('okay'))
http.on('upgrade', (request, socket, head) => {
  const documentName = decodeURIComponent(new URL(request.url, 'http://localhost').pathname.slice(1))
  sockets.handleUpgrade(request, socket, head, (websocket) => {
    websocket.on('error', () => websocket.terminate())
    const adapter = new YWebsocketAdapter(websocket, documentName)
    hocuspocus.handleConnection(adapter, request)
    adapter.authenticate()
  })
})
http.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'))
// The benchmark is done with it: no final store needed.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))
