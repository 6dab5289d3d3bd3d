// npm run bench:collab — live-editing load on loopback against a real server process.
// Scenario 1: N clients on one document. Scenario 2: M documents with many clients each.
// Measures update propagation latency (p50/p99), delivered updates per second, and the
// server process' peak RSS and CPU. Prints a table and writes it to
// bench/results/local/collab.md (untracked), or with --save to the committed bench/results/collab.md.
import './quiet'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { sessionCookieName } from '#server/auth/cookies'
import { hashPassword } from '#server/auth/passwords'
import { createSession } from '#server/auth/sessions'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { users } from '#server/db/schema'
import { exited, freePort, processStats, startSiteProcess } from '#tests/support/site-process-control'
import { writeReport } from './report'

process.setMaxListeners(0)
const updatesPerClient = Number(process.env.BENCH_UPDATES ?? 40)
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 25)
const scenarios = [
  { name: '1 document × 10 clients', documents: 1, clientsPerDocument: 10 },
  { name: '1 document × 50 clients', documents: 1, clientsPerDocument: 50 },
  { name: '10 documents × 10 clients', documents: 10, clientsPerDocument: 10 },
  { name: '20 documents × 20 clients', documents: 20, clientsPerDocument: 20 },
]

function percentile(sorted: number[], p: number) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-'))
  const database = await openDatabase({ dataDir })
  const [user] = await database.db.insert(users).values({ email: 'bench@voorbeeld.nl', name: 'Bench', role: 'member', passwordHash: await hashPassword('bench bench bench') }).returning()
  const { token } = await createSession(database.db, user.id)
  await database.close()
  const cookie = `${sessionCookieName}=${token}`
  const slugs = (await readdir(path.join(readConfig().contentDir, 'handreiking'))).sort().map((file) => file.replace(/^\d+-/, '').replace(/\.md$/, ''))

  const port = await freePort()
  const site = startSiteProcess(port, dataDir)
  await site.ready
  const server = site.child
  const baseUrl = `ws://127.0.0.1:${port}/collab`
  class AuthedSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { Cookie: cookie, Origin: `http://127.0.0.1:${port}` } })
    }
  }

  const rows: string[][] = []
  for (const [scenarioIndex, scenario] of scenarios.entries()) {
    const clients: Array<{ doc: Y.Doc; provider: WebsocketProvider; id: string }> = []
    const latencies: number[] = []
    for (let d = 0; d < scenario.documents; d++) {
      for (let c = 0; c < scenario.clientsPerDocument; c++) {
        const doc = new Y.Doc()
        const provider = new WebsocketProvider(baseUrl, slugs[d % slugs.length], doc, { WebSocketPolyfill: AuthedSocket as unknown as typeof globalThis.WebSocket, disableBc: true })
        const id = `${scenarioIndex}-${d}-${c}`
        doc.getMap<number>('bench').observe((event) => {
          if (event.transaction.local) return
          const now = performance.now() + performance.timeOrigin
          // Documents outlive a scenario: count only this scenario's keys.
          for (const key of event.keysChanged) if (key.startsWith(`${scenarioIndex}-`)) latencies.push(now - (event.target.get(key) as number))
        })
        clients.push({ doc, provider, id })
      }
    }
    const synced = Promise.all(clients.map((client) => new Promise<void>((resolve) => (client.provider.synced ? resolve() : client.provider.once('sync', () => resolve())))))
    await Promise.race([synced, new Promise((_, reject) => setTimeout(() => reject(new Error('clients did not sync within 30 s')), 30_000))])
    const before = await processStats(server.pid!)
    let peakRss = before.rssMb
    const sampler = setInterval(() => void processStats(server.pid!).then((stats) => (peakRss = Math.max(peakRss, stats.rssMb))), 100)
    const started = performance.now()
    for (let round = 0; round < updatesPerClient; round++) {
      for (const client of clients) client.doc.getMap<number>('bench').set(`${client.id}:${round}`, performance.now() + performance.timeOrigin)
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
    const expected = clients.length * updatesPerClient * (scenario.clientsPerDocument - 1)
    const deadline = Date.now() + 30_000
    while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const after = await processStats(server.pid!)
    latencies.sort((a, b) => a - b)
    rows.push([
      scenario.name,
      String(clients.length * updatesPerClient),
      `${latencies.length}/${expected}`,
      percentile(latencies, 50).toFixed(1),
      percentile(latencies, 99).toFixed(1),
      Math.round(latencies.length / seconds).toString(),
      peakRss.toFixed(0),
      (((after.cpuSeconds - before.cpuSeconds) / seconds) * 100).toFixed(0),
    ])
    clients.forEach((client) => client.provider.destroy())
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  server.kill('SIGTERM')
  await exited(server)
  await rm(dataDir, { recursive: true, force: true })

  const header = ['scenario', 'updates sent', 'deliveries', 'p50 ms', 'p99 ms', 'deliveries/s', 'server peak RSS MB', 'server CPU %']
  const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
  const report = `# bench:collab — ${new Date().toISOString()}\n\nLoopback, embedded PGlite, ${updatesPerClient} updates per client every ${intervalMs} ms, ${os.cpus().length} CPUs, Node ${process.version}.\n\n${table}\n`
  await writeReport('collab', report)
}

await main()
// y-websocket leaves timers behind; the report is written.
process.exit(0)
