// Hocuspocus 3.4.4 as a peer for bench:collab: `PORT=… [DATABASE_URL=…] [CHECK_SESSIONS=<origin> SESSION_COOKIE=<name>] node bench/peers/hocuspocus.mjs`.
// With DATABASE_URL, the Database extension keeps one bytea row per document (fetch on load, store the
// full state on Hocuspocus's default debounce), as a production team would set it up. With
// CHECK_SESSIONS too, onAuthenticate checks each connection's Origin and our session cookie against
// the `sessions` and `users` tables of that database (the bench copies ours there): one indexed query
// per connection, as a team would write it, so that a join paying for authentication is compared with
// one that pays for it too. Plain JavaScript so the peer's RSS carries no TypeScript loader. Prints
// "ready" once it listens.
//
// Hocuspocus 2+ speaks a multiplexed protocol (the document name before every frame, an auth frame
// first); the same unmodified y-websocket clients as for the other servers connect here through a thin
// adapter: the document comes from the path as in y-websocket, incoming frames get the name put in
// front, outgoing frames have it taken off, and frames a y-websocket client has no use for (auth,
// sync status, stateless) are not sent. Its cost (a varstring per frame) is in this process's CPU.
import { createHash, timingSafeEqual } from 'node:crypto'
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
const hooks = {}
if (process.env.DATABASE_URL) {
  const sql = postgres(process.env.DATABASE_URL, { max: 10, onnotice: () => {} })
  const origin = process.env.CHECK_SESSIONS
  if (origin) hooks.onAuthenticate = ({ requestHeaders }) => checkSession(sql, origin, requestHeaders)
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
const hocuspocus = new Hocuspocus({ quiet: true, extensions, ...hooks })

const inactivityTimeoutMs = 10 * 24 * 60 * 60 * 1000
const cookieName = process.env.SESSION_COOKIE ?? 'sessie'

/** Our rule for live editing: the site's Origin, and a live session ("<id>.<secret>") of an active member or up. */
async function checkSession(sql, origin, headers) {
  if (headers.origin !== origin) throw new Error('forbidden')
  const cookie = (headers.cookie ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${cookieName}=`))
  const match = /^([a-z2-7]{32})\.([a-z2-7]{32})$/.exec(cookie?.slice(cookieName.length + 1) ?? '')
  if (!match) throw new Error('unauthorized')
  const [row] = await sql`select s.secret_hash, s.last_verified_at, u.id, u.name, u.role from sessions s
    join users u on u.id = s.user_id and u.disabled_at is null where s.id = ${match[1]}`
  const hash = createHash('sha256').update(match[2]).digest()
  if (!row || row.secret_hash.length !== hash.length || !timingSafeEqual(row.secret_hash, hash)) throw new Error('unauthorized')
  if (Date.now() - row.last_verified_at.getTime() >= inactivityTimeoutMs) throw new Error('unauthorized')
  if (!['member', 'editor', 'admin'].includes(row.role)) throw new Error('forbidden')
  return { user: { id: row.id, name: row.name } }
}

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
  /** The auth frame a Hocuspocus provider sends first (no token: a session comes as the cookie, in the request headers). */
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
