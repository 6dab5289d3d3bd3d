// The client side of bench:collab, in a process of its own (never in a server's):
// `node --import tsx bench/collab-client.ts '<spec json>'`. Unmodified y-websocket WebsocketProviders,
// the same against every server. Talks to bench/collab.ts over stdio: prints `phase <name> <json>`
// and waits for a `go` line (so the parent can read the server's CPU and RSS between phases), and
// ends with `result <json>`. Every insert is a paragraph whose text carries the sender's clock.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import WebSocket, { WebSocketServer } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { field, writeParagraphs } from './collab-content'

export type ClientSpec = {
  kind: 'edit' | 'join' | 'large'
  /** Base websocket URLs; the clients of a document are spread over them in turn (two processes). */
  urls: string[]
  /** Per URL, per member: the headers that member's browser would send (our server: their session cookie and the Origin); client k is member k, taken in turn. */
  headers: Array<Array<Record<string, string>>>
  documents: string[]
  /**
   * Per URL, the site whose editor page each member's browser loads before its script opens the socket
   * (our server; the peers serve no pages). Loaded before the join is timed, as a browser has the page
   * before it connects.
   */
  pages?: Array<string | undefined>
  clientsPerDocument: number
  /** edit: each client inserts a paragraph every intervalMs for durationMs. */
  intervalMs: number
  durationMs: number
  /** large: the document's paragraph count, and whether a first client must write them (peers). */
  paragraphs?: number
  writeFirst?: boolean
  syncTimeoutMs: number
  drainTimeoutMs: number
}

export type ClientResult = {
  joinMs: number
  firstJoinMs?: number
  /** large: the same join by bare sockets that only wait for the server's sync step 2 (no Yjs on the client): the server's part. */
  rawJoinMs?: number
  /** large: the time this process takes to apply the document's state once per fresh client, one after another (the clients' part; 3 applied, scaled). */
  clientApplyMs?: number
  clients: number
  synced: number
  sent: number
  expected: number
  received: number
  latencies: number[]
  /** Deliveries whose sender was connected to another URL (another server process). */
  crossExpected: number
  crossLatencies: number[]
  clientCpuPercent: number
  /** How long the editor pages took to load, all clients, eight at a time (not part of the join). */
  pagesMs?: number
  /** This process's event-loop delay during the inserts (or the join, for join scenarios), ms: a delivery waits this long before its receiver sees it. */
  clientLoop: { p50: number; p99: number; max: number }
  error?: string
}

const spec = JSON.parse(process.argv[2]) as ClientSpec
process.setMaxListeners(0)
const lines = createInterface({ input: process.stdin })
const waiting: Array<() => void> = []
let credits = 0
lines.on('line', (line) => {
  if (line.trim() !== 'go') return
  const next = waiting.shift()
  if (next) next()
  else credits++
})
// The parent is gone: nobody will say go.
lines.on('close', () => waiting.length > 0 && process.exit(1))

/** Pause between the last client's sync and the first insert. */
const settleMs = 1000

function phase(name: string, details: object = {}) {
  process.stdout.write(`phase ${name} ${JSON.stringify(details)}\n`)
  if (credits > 0) {
    credits--
    return Promise.resolve()
  }
  return new Promise<void>((resolve) => waiting.push(resolve))
}

// Sampled as in the servers (bench/loop-delay.cjs).
const loopDelay = monitorEventLoopDelay({ resolution: 5 })
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Client = { doc: Y.Doc; provider: WebsocketProvider; document: number; via: number }
const clients: Client[] = []
/** The headers of the browser of client `index` connecting through URL `via`. */
const headersOf = (via: number, index: number) => {
  const members = spec.headers[via] ?? []
  return members.length > 0 ? members[index % members.length] : {}
}

function socketClassFor(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers })
    }
  }
}

function connect(document: number, via: number) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(spec.urls[via], spec.documents[document], doc, {
    WebSocketPolyfill: socketClassFor(headersOf(via, clients.length)) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  const client = { doc, provider, document, via }
  clients.push(client)
  return client
}

/** Resolves when every client has had sync step 2 (and, if asked, holds at least `paragraphs` paragraphs); the time taken. */
async function allSynced(group: Client[], paragraphs = 0) {
  const started = now()
  const ready = (client: Client) => client.provider.synced && client.doc.getXmlFragment(field).length >= paragraphs
  const each = group.map(
    (client) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!ready(client)) return
          client.provider.off('sync', check)
          client.doc.off('update', check)
          resolve()
        }
        client.provider.on('sync', check)
        client.doc.on('update', check)
        check()
      }),
  )
  let done = 0
  each.forEach((promise) => void promise.then(() => done++))
  await Promise.race([Promise.all(each), sleep(spec.syncTimeoutMs)])
  if (done < group.length) throw new Error(`${group.length - done} of ${group.length} clients not synced within ${spec.syncTimeoutMs / 1000} s`)
  return now() - started
}

const result: ClientResult = { joinMs: NaN, clients: 0, synced: 0, sent: 0, expected: 0, received: 0, latencies: [], crossExpected: 0, crossLatencies: [], clientCpuPercent: 0, clientLoop: { p50: NaN, p99: NaN, max: NaN } }

function observe(client: Client) {
  client.doc.getXmlFragment(field).observe((event) => {
    if (event.transaction.local) return
    const at = now()
    for (const change of event.changes.delta) {
      if (!change.insert || typeof change.insert === 'string') continue
      for (const element of change.insert as Y.XmlElement[]) {
        const text = element.get(0)?.toString() ?? ''
        if (!text.startsWith('b|')) continue
        const [, via, sentAt] = text.split('|')
        result.received++
        const latency = at - Number(sentAt)
        result.latencies.push(latency)
        if (Number(via) !== client.via) result.crossLatencies.push(latency)
      }
    }
  })
}

function insert(client: Client) {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(`b|${client.via}|${now()}`)])
  client.doc.getXmlFragment(field).insert(0, [paragraph])
  result.sent++
  const peers = clients.filter((other) => other !== client && other.document === client.document)
  result.expected += peers.length
  result.crossExpected += peers.filter((other) => other.via !== client.via).length
}

/** `count` websockets at once that send sync step 1 with an empty state vector; the time until each has the server's step 2 (not applied). */
async function rawJoin(count: number) {
  const started = now()
  const step1 = encoding.createEncoder()
  encoding.writeVarUint(step1, 0) // y-websocket's sync message
  syncProtocol.writeSyncStep1(step1, new Y.Doc())
  const sockets: WebSocket[] = []
  const joined = Array.from({ length: count }, (_, index) => {
    const via = index % spec.urls.length
    const socket = new WebSocket(`${spec.urls[via]}/${spec.documents[0]}`, { headers: headersOf(via, index) })
    sockets.push(socket)
    return new Promise<void>((resolve, reject) => {
      socket.on('open', () => socket.send(encoding.toUint8Array(step1)))
      socket.on('message', (data: Buffer) => {
        const decoder = decoding.createDecoder(new Uint8Array(data))
        if (decoding.readVarUint(decoder) === 0 && decoding.readVarUint(decoder) === syncProtocol.messageYjsSyncStep2) resolve()
      })
      socket.on('error', reject)
      socket.on('close', () => reject(new Error('bare socket closed before sync step 2')))
    })
  })
  try {
    await Promise.race([Promise.all(joined), sleep(spec.syncTimeoutMs).then(() => Promise.reject(new Error('bare sockets not synced in time')))])
    return now() - started
  } finally {
    for (const socket of sockets) socket.terminate()
  }
}

/** Waits for the deliveries still under way: until all are in, the drain timeout, or 3 s without a new one. */
async function drain() {
  const deadline = Date.now() + spec.drainTimeoutMs
  let seen = result.received
  let lastProgress = Date.now()
  while (result.received < result.expected && Date.now() < deadline && Date.now() - lastProgress < 3000) {
    await sleep(20)
    if (result.received > seen) [seen, lastProgress] = [result.received, Date.now()]
  }
}

/**
 * This one process stands for many browsers, each of which compiles its own code beside the others;
 * fresh, it would compile Yjs, y-protocols, ws and the provider once, in the middle of the first join,
 * and where that lands in the join (while a server waits for the clients, or while it works on
 * others) would decide part of a server's join time. So before measuring, two providers edit one
 * document together through a minimal y-websocket relay in this process.
 */
async function warmUp() {
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  const message = (type: number, write: (encoder: encoding.Encoder) => void) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, type)
    write(encoder)
    return encoding.toUint8Array(encoder)
  }
  const broadcast = (data: Uint8Array, except: unknown) => server.clients.forEach((socket) => socket !== except && socket.send(data))
  doc.on('update', (update: Uint8Array, origin: unknown) => broadcast(message(0, (encoder) => syncProtocol.writeUpdate(encoder, update)), origin))
  awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) =>
    broadcast(message(1, (encoder) => encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed]))), origin),
  )
  server.on('connection', (socket) => {
    socket.send(message(0, (encoder) => syncProtocol.writeSyncStep1(encoder, doc)))
    socket.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      const type = decoding.readVarUint(decoder)
      if (type === 1) return awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), socket)
      const reply = encoding.createEncoder()
      encoding.writeVarUint(reply, 0)
      syncProtocol.readSyncMessage(decoder, reply, doc, socket)
      if (encoding.length(reply) > 1) socket.send(encoding.toUint8Array(reply))
    })
  })
  await once(server, 'listening')
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
  const pair = [0, 1].map(() => {
    const doc = new Y.Doc()
    return { doc, provider: new WebsocketProvider(url, 'warm-up', doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true }) }
  })
  await Promise.all(pair.map(({ provider }) => new Promise((resolve) => provider.once('sync', resolve))))
  for (const [index, { doc, provider }] of pair.entries()) {
    provider.awareness.setLocalStateField('user', { name: `warm-up ${index}` })
    writeParagraphs(doc, 50)
  }
  const deadline = Date.now() + 5000
  const converged = () => pair.every(({ doc }) => doc.getXmlFragment(field).length === 100)
  while (!converged() && Date.now() < deadline) await sleep(10)
  if (!converged()) throw new Error('the warm-up relay did not bring both providers to the same 100 paragraphs')
  for (const { provider } of pair) provider.destroy()
  server.close()
}

/** Each client's browser loads its editor page (member k: document k ÷ clients per document), eight at a time. */
async function loadPages() {
  const pages: Array<{ url: string; headers: Record<string, string> }> = []
  for (let document = 0; document < spec.documents.length; document++) {
    for (let index = 0; index < spec.clientsPerDocument; index++) {
      const via = index % spec.urls.length
      const site = spec.pages?.[via]
      if (site) pages.push({ url: `${site}/handreiking/${spec.documents[document]}/bewerken`, headers: headersOf(via, document * spec.clientsPerDocument + index) })
    }
  }
  if (pages.length === 0) return
  const started = now()
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < pages.length) {
        const { url, headers } = pages[next++]
        const response = await fetch(url, { headers: { Cookie: headers.Cookie ?? '' } })
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`editor page ${url} answered ${response.status}`)
      }
    }),
  )
  result.pagesMs = now() - started
  // Then the browser loads and starts the editor's scripts before it connects: a pause for that.
  await sleep(1000)
}

async function run() {
  await warmUp()
  if (spec.kind !== 'large') await loadPages()
  await phase('ready')
  loopDelay.enable()
  const cpuBefore = process.cpuUsage()
  const wallBefore = now()
  if (spec.kind === 'large') {
    const paragraphs = spec.paragraphs!
    if (spec.writeFirst) {
      const writer = connect(0, 0)
      await allSynced([writer])
      writeParagraphs(writer.doc, paragraphs)
    }
    const first = connect(0, 0)
    const firstJoinMs = await allSynced([first], paragraphs)
    result.firstJoinMs = firstJoinMs
    await phase('prepared', { firstJoinMs })
    const fresh = Array.from({ length: spec.clientsPerDocument }, (_, index) => connect(0, index % spec.urls.length))
    result.joinMs = await allSynced(fresh, paragraphs)
    result.clients = fresh.length
    result.synced = fresh.length
    await phase('synced', { joinMs: result.joinMs })
    result.rawJoinMs = await rawJoin(spec.clientsPerDocument)
    const state = Y.encodeStateAsUpdate(first.doc)
    const applyStarted = now()
    for (let index = 0; index < 3; index++) Y.applyUpdate(new Y.Doc(), state)
    result.clientApplyMs = ((now() - applyStarted) / 3) * spec.clientsPerDocument
  } else {
    for (let document = 0; document < spec.documents.length; document++) for (let index = 0; index < spec.clientsPerDocument; index++) connect(document, index % spec.urls.length)
    result.clients = clients.length
    result.joinMs = await allSynced(clients)
    result.synced = clients.length
    clients.forEach(observe)
    await phase('synced', { joinMs: result.joinMs })
    if (spec.kind === 'join') {
      insert(clients[0])
    } else {
      // What the joins leave to do after the last sync (presence going round, the sockets' garbage) is
      // part of joining: the inserts start once it is done, so CPU per delivery is the propagation's.
      await sleep(settleMs)
      await phase('settled')
      loopDelay.reset()
      const end = Date.now() + spec.durationMs
      await Promise.all(
        clients.map(async (client) => {
          await sleep(Math.random() * spec.intervalMs)
          while (Date.now() < end) {
            insert(client)
            await sleep(spec.intervalMs)
          }
        }),
      )
    }
    await drain()
  }
  result.clientLoop = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }
  const cpu = process.cpuUsage(cpuBefore)
  result.clientCpuPercent = ((cpu.user + cpu.system) / 1000 / (now() - wallBefore)) * 100
}

try {
  await run()
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error)
}
process.stdout.write(`result ${JSON.stringify(result)}\n`)
for (const client of clients) client.provider.destroy()
// y-websocket leaves timers behind; the result is out.
setTimeout(() => process.exit(0), 200)
