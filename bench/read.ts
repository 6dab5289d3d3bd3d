// npm run bench:read — what readers get: the app (as `npm start` runs it: build/server-entry.js, in its
// own process) against a bare node:http server returning the very same bytes, alternating, at
// 64 connections: a section page, the home page and the PDF for anonymous readers, and a section
// page for a signed-in member; on embedded PGlite and on Postgres (BENCH_DATABASE_URL or the
// machine's postgres://postgres@127.0.0.1:5432/postgres, in a database of its own).
// Prints a table; writes bench/results/local/read.md, or bench/results/read.md with --save.
import './quiet'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { users } from '#server/db/schema'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { freePort, processStats, untilHealthy } from '#tests/support/site-process-control'
import { serverCommand } from '../scripts/server-command.js'
import { writeReport } from './report'

const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const connections = 64
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

type Target = { label: string; path: string; cookie?: string }
type Measured = { requestsPerSecond: number; p50: number; p99: number; errors: number }

/** Imports the content and makes a member with a session, before the server opens the database. */
async function prepare(location: { url?: string; dataDir: string }) {
  const database = await openDatabase(location)
  await importContentIfEmpty(database.db, readConfig().contentDir)
  const [member] = await database.db.insert(users).values({ email: `lezer-${Date.now()}@voorbeeld.nl`, name: 'Bench Lid', role: 'member', passwordHash: 'not-used' }).returning()
  const { token } = await createSession(database.db, member.id, 'bench')
  await database.close()
  return `${sessionCookieName}=${token}`
}

function startApp(port: number, environment: Record<string, string>) {
  const child = spawn(process.execPath, serverCommand, {
    env: { ...process.env, NODE_ENV: 'production', INSECURE_COOKIES: '1', LOG_LEVEL: 'warn', PORT: String(port), ...environment },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return child
}

/** The bare peer: one node:http process answering every request with the bytes and type captured from the app. */
async function startBare(port: number, body: Buffer, contentType: string) {
  const bodyFile = path.join(os.tmpdir(), `lh-bench-read-${port}.bin`)
  await writeFile(bodyFile, body)
  const code = `const body=require('fs').readFileSync(${JSON.stringify(bodyFile)});require('http').createServer((q,s)=>{s.writeHead(200,{'Content-Type':${JSON.stringify(contentType)},'Content-Length':body.length});s.end(body)}).listen(${port},'127.0.0.1',()=>console.log('ready'))`
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
  return { child, stop: async () => { child.kill(); await rm(bodyFile, { force: true }) } }
}

async function load(url: string, cookie?: string): Promise<Measured> {
  const result = await autocannon({ url, connections, duration: seconds, headers: cookie ? { cookie } : {} })
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length

async function measureMode(mode: 'PGlite' | 'Postgres', targets: Target[], location: { url?: string; dataDir: string }, environment: Record<string, string>) {
  const cookie = await prepare(location)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = startApp(port, environment)
  await untilHealthy(base, app)
  const idleRss = (await processStats(app.pid!)).rssMb
  let peakRss = idleRss
  const sampler = setInterval(() => void processStats(app.pid!).then((stats) => (peakRss = Math.max(peakRss, stats.rssMb))).catch(() => {}), 200)
  // Steady state is what is measured: the PDF rendered once (the home page asks for its size) and every page stored.
  await (await fetch(base + '/handreiking.pdf')).arrayBuffer()
  for (const target of targets) await (await fetch(base + target.path, { headers: target.cookie === 'member' ? { cookie } : {} })).arrayBuffer()
  const rows: string[][] = []
  for (const target of targets) {
    const targetCookie = target.cookie === 'member' ? cookie : undefined
    const sample = await fetch(base + target.path, { headers: targetCookie ? { cookie: targetCookie, 'accept-encoding': 'identity' } : { 'accept-encoding': 'identity' } })
    const body = Buffer.from(await sample.arrayBuffer())
    const barePort = await freePort()
    const bare = await startBare(barePort, body, sample.headers.get('content-type') ?? 'text/html')
    const appRuns: Measured[] = []
    const bareRuns: Measured[] = []
    for (let round = 0; round < rounds; round++) {
      appRuns.push(await load(base + target.path, targetCookie))
      bareRuns.push(await load(`http://127.0.0.1:${barePort}${target.path}`))
    }
    await bare.stop()
    const appRate = mean(appRuns.map((run) => run.requestsPerSecond))
    const bareRate = mean(bareRuns.map((run) => run.requestsPerSecond))
    rows.push([
      `${target.label}, ${mode}`,
      `${(body.length / 1024).toFixed(0)} KB`,
      appRate.toFixed(0),
      bareRate.toFixed(0),
      (appRate / bareRate).toFixed(2),
      `${mean(appRuns.map((run) => run.p50)).toFixed(1)} / ${Math.max(...appRuns.map((run) => run.p99)).toFixed(1)}`,
      `${mean(bareRuns.map((run) => run.p50)).toFixed(1)} / ${Math.max(...bareRuns.map((run) => run.p99)).toFixed(1)}`,
      String(appRuns.reduce((sum, run) => sum + run.errors, 0)),
    ])
  }
  clearInterval(sampler)
  app.kill('SIGTERM')
  await new Promise((resolve) => app.once('exit', resolve))
  return { rows, memory: [mode, idleRss.toFixed(0), peakRss.toFixed(0), (peakRss - idleRss).toFixed(0)] }
}

const readerTargets: Target[] = [
  { label: 'section page', path: '/handreiking/mandaat' },
  { label: 'home page', path: '/' },
  { label: 'PDF', path: '/handreiking.pdf' },
  { label: 'section page, signed-in member', path: '/handreiking/mandaat', cookie: 'member' },
]

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-read-'))
const embedded = await measureMode('PGlite', readerTargets, { dataDir }, { DATA_DIR: dataDir })
await rm(dataDir, { recursive: true, force: true })

const databaseName = `bench_read_${Date.now()}`
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database ${databaseName}`)
const databaseUrl = new URL(adminUrl)
databaseUrl.pathname = `/${databaseName}`
const uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-read-pg-'))
const real = await measureMode('Postgres', [readerTargets[0], readerTargets[3]], { url: databaseUrl.href, dataDir: '' }, { DATABASE_URL: databaseUrl.href, DATA_DIR: uploadsDir })
await admin.unsafe(`drop database ${databaseName} with (force)`)
await admin.end()
await rm(uploadsDir, { recursive: true, force: true })

const table = (header: string[], rows: string[][]) => [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
const report = `# bench:read — ${new Date().toISOString()}

${connections} connections, ${rounds} × ${seconds} s per server, app and bare server alternating; ${os.cpus().length} CPUs, Node ${process.version}.
The app runs as \`npm start\` runs it (\`node ${serverCommand.join(' ')}\`) in its own process; the bare peer is a node:http process returning the same bytes.

${table(['what', 'size', 'app req/s', 'bare req/s', 'ratio', 'app p50 / p99 ms', 'bare p50 / p99 ms', 'app errors'], [...embedded.rows, ...real.rows])}

${table(['app memory', 'idle RSS MB', 'peak RSS MB', 'growth MB'], [embedded.memory, real.memory])}
`
await writeReport('read', report)
process.exit(0)
