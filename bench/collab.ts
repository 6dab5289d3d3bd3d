// npm run bench:collab — live editing side by side, in one run: our server (Postgres and PGlite),
// Hocuspocus 3.4.4 (with its Database extension on the same Postgres, and memory only) and the
// y-websocket 2.1.0 reference server, each a real process, all driven by the same unmodified
// y-websocket clients in a separate process (bench/collab-client.ts). Scenarios alternate the servers
// (the order rotates per repetition). Measures propagation latency from sender timestamps in the
// inserted text, deliveries, join time, server CPU per delivered update and peak RSS from /proc, and
// the CPU of the Postgres backends connected to the server's database. Then one document over two of
// our processes (REDIS_URL) next to one process. Prints the tables and writes bench/results/local/
// collab.md, or with --save the committed bench/results/collab.md.
//
// BENCH_REPS (default 2: about 10 min on 2 CPUs), BENCH_SECONDS of inserting per scenario (default 5), BENCH_DATABASE_URL
// (the Postgres server, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL
// (default redis://127.0.0.1:6379), BENCH_ONLY (comma-separated scenario keys, for a quick look),
// BENCH_NODE_FLAGS (our server's Node flags instead of `npm start`'s, to try V8 settings side by side).
// BENCH_SERVER_STDOUT (a file our servers' standard output is appended to, e.g. for --trace-gc).
// BENCH_SERVERS (comma-separated server keys, e.g. ours-pg,hocuspocus-pg, for a quick look: the others are started, not measured).
import './quiet'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { sql } from 'drizzle-orm'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { documentStates, revisions, sections, users } from '#server/db/schema'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { freePort, processStats } from '#tests/support/site-process-control'
import type { ClientResult, ClientSpec } from './collab-client'
import { largeDocumentState } from './collab-content'
import { postgresCpu, postgresCpuBetween, readLoopDelay, serverLabels, startHocuspocus, startOurs, startReference, stop, stopAll, track, type RunningServer, type LoopDelay, type ServerKey } from './collab-servers'
import { writeReport } from './report'

const repetitions = Number(process.env.BENCH_REPS ?? 2)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const adminUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const largeParagraphs = 10_000

type Scenario = { key: string; name: string; kind: ClientSpec['kind']; documents: number; clientsPerDocument: number; intervalMs: number }
const allScenarios: Scenario[] = [
  { key: 'one10', name: '1 document × 10 clients, an insert per client every 100 ms', kind: 'edit', documents: 1, clientsPerDocument: 10, intervalMs: 100 },
  { key: 'one50', name: '1 document × 50 clients, an insert per client every second', kind: 'edit', documents: 1, clientsPerDocument: 50, intervalMs: 1000 },
  { key: 'docs20', name: '20 documents × 5 clients, an insert per client every 100 ms', kind: 'edit', documents: 20, clientsPerDocument: 5, intervalMs: 100 },
  { key: 'docs200', name: '200 documents × 3 clients, an insert per client every second', kind: 'edit', documents: 200, clientsPerDocument: 3, intervalMs: 1000 },
  { key: 'join300', name: '300 clients joining one document at once (then one insert reaches 299)', kind: 'join', documents: 1, clientsPerDocument: 300, intervalMs: 0 },
  { key: 'large', name: `20 fresh clients joining a ${largeParagraphs.toLocaleString('en')}-paragraph document at once`, kind: 'large', documents: 1, clientsPerDocument: 20, intervalMs: 0 },
]
const only = process.env.BENCH_ONLY?.split(',')
const scenarios = only ? allScenarios.filter((scenario) => only.includes(scenario.key)) : allScenarios
const twoProcess: Scenario = { key: 'two', name: '1 document × 10 clients split over two of our processes (Postgres + Redis), an insert per client every 100 ms', kind: 'edit', documents: 1, clientsPerDocument: 10, intervalMs: 100 }
const runTwoProcess = !only || only.includes('two')
/** Each server's first clients, before the scenarios: code run for the first time, connections opened. Shown on its own. */
const firstJoin: Scenario = { key: 'first', name: 'A fresh process\'s first join: 10 clients, then 2 s of inserts every 100 ms (not counted in the scenarios)', kind: 'edit', documents: 1, clientsPerDocument: 10, intervalMs: 100 }
const allServers: ServerKey[] = ['ours-pg', 'ours-pglite', 'hocuspocus-pg', 'hocuspocus-pg-auth', 'hocuspocus', 'reference']
const onlyServers = process.env.BENCH_SERVERS?.split(',')
const serverOrder = onlyServers ? allServers.filter((key) => onlyServers.includes(key)) : allServers

const clientsOf = (scenario: Scenario) => scenario.documents * scenario.clientsPerDocument
const membersNeeded = Math.max(...[...allScenarios, twoProcess, firstJoin].map(clientsOf))

const documentName = (repetition: number, scenario: string, index: number) => `bench-r${repetition}-${scenario}-${index}`

type Measurement = {
  result: ClientResult
  joinCpuMs: number
  trafficCpuMs: number
  trafficSeconds: number
  postgresJoinMs: number
  postgresTrafficMs: number
  rssBeforeMb: number
  rssOpenMb: number
  peakRssMb: number
  /** The server's event-loop delay (over two processes: the worse) while joining, and during the inserts. */
  joinLoop: LoopDelay
  trafficLoop: LoopDelay
}

/** One scenario against one or more server processes: the client driver in its own process, /proc read between its phases. */
async function measure(servers: RunningServer[], spec: ClientSpec, timeoutMs: number): Promise<Measurement> {
  const pids = servers.map((server) => server.child.pid!)
  const database = servers[0].database
  const cpu = async () => (await Promise.all(pids.map((pid) => processStats(pid)))).reduce((sum, stats) => ({ cpuSeconds: sum.cpuSeconds + stats.cpuSeconds, rssMb: sum.rssMb + stats.rssMb }), { cpuSeconds: 0, rssMb: 0 })
  const child = track(spawn(process.execPath, ['--import', 'tsx', 'bench/collab-client.ts', JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] }))
  child.stdin!.on('error', () => {})
  let peakRssMb = 0
  const sampler = setInterval(() => void cpu().then((stats) => (peakRssMb = Math.max(peakRssMb, stats.rssMb)), () => {}), 100)
  const snapshots = new Map<string, { cpuSeconds: number; rssMb: number; postgres: Map<number, number>; at: number; loop: LoopDelay }>()
  // Each reading starts the histograms again: a phase's reading covers the time since the one before.
  const loop = async (): Promise<LoopDelay> => {
    const readings = await Promise.all(servers.map(readLoopDelay))
    return { p50: Math.max(...readings.map((r) => r.p50)), p99: Math.max(...readings.map((r) => r.p99)), max: Math.max(...readings.map((r) => r.max)) }
  }
  try {
    const result = await new Promise<ClientResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client driver did not finish within ${timeoutMs / 1000} s`)), timeoutMs)
      child.once('exit', (code) => reject(new Error(`client driver exited with ${code} before its result`)))
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [kind, name] = line.split(' ', 2)
        if (kind === 'phase') {
          void Promise.all([cpu(), postgresCpu(database), loop()]).then(([stats, postgresUsage, loopDelay]) => {
            snapshots.set(name, { ...stats, postgres: postgresUsage, at: performance.now(), loop: loopDelay })
            peakRssMb = Math.max(peakRssMb, stats.rssMb)
            child.stdin!.write('go\n')
          })
        } else if (kind === 'result') {
          clearTimeout(timer)
          resolve(JSON.parse(line.slice('result '.length)) as ClientResult)
        }
      })
    })
    const [end, trafficLoop] = await Promise.all([cpu(), loop()])
    // What a server stores once its clients have gone (Hocuspocus: on the last disconnect; its debounce
    // holds writes back up to 10 s while typing goes on) is part of storing these edits.
    await stop(child, 5000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const endPostgres = await postgresCpu(database)
    const start = snapshots.get('prepared') ?? snapshots.get('ready')!
    const synced = snapshots.get('synced') ?? start
    // Edit scenarios pause 1 s after the last sync (the client's 'settled'): the join's aftermath counts as join.
    const joined = snapshots.get('settled') ?? synced
    return {
      result,
      joinCpuMs: (joined.cpuSeconds - start.cpuSeconds) * 1000,
      trafficCpuMs: (end.cpuSeconds - joined.cpuSeconds) * 1000,
      trafficSeconds: (performance.now() - joined.at) / 1000,
      postgresJoinMs: postgresCpuBetween(start.postgres, joined.postgres) * 1000,
      postgresTrafficMs: postgresCpuBetween(joined.postgres, endPostgres) * 1000,
      rssBeforeMb: start.rssMb,
      rssOpenMb: synced.rssMb,
      peakRssMb: Math.max(peakRssMb, end.rssMb),
      joinLoop: synced.loop,
      trafficLoop,
    }
  } finally {
    clearInterval(sampler)
    await stop(child, 5000)
  }
}

function specFor(scenario: Scenario, servers: RunningServer[], repetition: number, writeFirst: boolean): ClientSpec {
  return {
    kind: scenario.kind,
    urls: servers.map((server) => server.url),
    headers: servers.map((server) => server.headers.slice(0, clientsOf(scenario))),
    documents: Array.from({ length: scenario.documents }, (_, index) => documentName(repetition, scenario.key, index)),
    pages: servers.map((server) => server.site),
    clientsPerDocument: scenario.clientsPerDocument,
    intervalMs: scenario.intervalMs,
    durationMs: seconds * 1000,
    paragraphs: scenario.kind === 'large' ? largeParagraphs : undefined,
    writeFirst,
    syncTimeoutMs: 60_000,
    drainTimeoutMs: 10_000,
  }
}

/** Our databases (Postgres and PGlite): the handbook, a member with a session for every client of the largest scenario, and a section for every document the bench opens. */
async function prepareOurs(location: { url?: string; dataDir: string }) {
  const database = await openDatabase(location)
  try {
    await importContentIfEmpty(database.db, readConfig().contentDir)
    // A meeting is many members, each signed in on their own: every client has its own session.
    const members = await database.db
      .insert(users)
      .values(Array.from({ length: membersNeeded }, (_, index) => ({ email: `bench-${index}@voorbeeld.nl`, name: `Bench Lid ${index}`, role: 'member' as const, passwordHash: 'not-used' })))
      .returning({ id: users.id })
    const cookies: string[] = []
    for (const member of members) cookies.push(`${sessionCookieName}=${(await createSession(database.db, member.id, 'bench')).token}`)
    const names: string[] = []
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (const scenario of [...scenarios, ...(runTwoProcess ? [twoProcess] : [])]) for (let index = 0; index < scenario.documents; index++) names.push(documentName(repetition, scenario.key, index))
    }
    names.push(documentName(0, firstJoin.key, 0))
    // Test-only sections, as an editor would have made them: one empty published paragraph each.
    for (let start = 0; start < names.length; start += 200) {
      const batch = names.slice(start, start + 200)
      const rows = await database.db
        .insert(sections)
        .values(batch.map((slug, index) => ({ slug, title: `Bench ${slug}`, position: 10_000 + start + index })))
        .returning({ id: sections.id, slug: sections.slug })
      await database.db.insert(revisions).values(rows.map((row) => ({ sectionId: row.id, title: `Bench ${row.slug}`, document: { type: 'doc', content: [{ type: 'paragraph' }] }, html: '<p></p>', plainText: '' })))
    }
    await database.db.execute(sql`update sections set current_revision_id = revisions.id from revisions where revisions.section_id = sections.id and sections.slug like 'bench-r%'`)
    // The large document was grown over time: stored as one compacted state, as our server keeps it.
    const state = largeDocumentState(largeParagraphs)
    const large = names.filter((name) => name.includes('-large-'))
    if (large.length > 0) await database.db.insert(documentStates).values(large.map((document) => ({ document, state, throughUpdateId: 0 })))
    return cookies
  } finally {
    await database.close()
  }
}

/** Our members' sessions, for the Hocuspocus that checks them: the columns it reads, keyed and indexed as ours. */
async function copySessions(fromUrl: string, toUrl: string) {
  const from = postgres(fromUrl, { max: 1, onnotice: () => {} })
  const to = postgres(toUrl, { max: 1, onnotice: () => {} })
  try {
    await to`create table users (id integer primary key, name text not null, role text not null, disabled_at timestamptz)`
    await to`create table sessions (id text primary key, secret_hash bytea not null, user_id integer not null references users (id) on delete cascade, last_verified_at timestamptz not null)`
    const members = await from`select id, name, role, disabled_at from users`
    const signedIn = await from`select id, secret_hash, user_id, last_verified_at from sessions`
    await to`insert into users ${to(members, 'id', 'name', 'role', 'disabled_at')}`
    await to`insert into sessions ${to(signedIn, 'id', 'secret_hash', 'user_id', 'last_verified_at')}`
  } finally {
    await Promise.all([from.end(), to.end()])
  }
}

// ---- figures

const sortNumbers = (values: number[]) => [...values].sort((a, b) => a - b)
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))])
const median = (values: number[]) => {
  const finite = sortNumbers(values.filter(Number.isFinite))
  return finite.length === 0 ? NaN : finite.length % 2 ? finite[(finite.length - 1) / 2] : (finite[finite.length / 2 - 1] + finite[finite.length / 2]) / 2
}

type Figures = {
  p50: number
  p99: number
  max: number
  received: number
  expected: number
  joinMs: number
  firstJoinMs: number
  rawJoinMs: number
  clientApplyMs: number
  cpuPerDeliveryUs: number
  joinCpuMs: number
  postgresPer10s: number
  postgresJoinMs: number
  peakRssMb: number
  rssBeforeMb: number
  rssOpenMb: number
  clientCpuPercent: number
  crossP50: number
  crossP99: number
  crossReceived: number
  crossExpected: number
  /** Event-loop delay p99 / max, ms: the server's (during the join, and during the inserts) and the client process's (during the inserts). */
  joinLoopP99: number
  joinLoopMax: number
  loopP99: number
  loopMax: number
  clientLoopP99: number
  clientLoopMax: number
  pagesMs: number
  error?: string
}

function figures(measurement: Measurement): Figures {
  const { result } = measurement
  const latencies = sortNumbers(result.latencies)
  const cross = sortNumbers(result.crossLatencies)
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    received: result.received,
    expected: result.expected,
    joinMs: result.joinMs,
    firstJoinMs: result.firstJoinMs ?? NaN,
    rawJoinMs: result.rawJoinMs ?? NaN,
    clientApplyMs: result.clientApplyMs ?? NaN,
    cpuPerDeliveryUs: result.received > 0 ? (measurement.trafficCpuMs * 1000) / result.received : NaN,
    joinCpuMs: measurement.joinCpuMs,
    postgresPer10s: (measurement.postgresTrafficMs / 1000 / measurement.trafficSeconds) * 10,
    postgresJoinMs: measurement.postgresJoinMs,
    peakRssMb: measurement.peakRssMb,
    rssBeforeMb: measurement.rssBeforeMb,
    rssOpenMb: measurement.rssOpenMb,
    clientCpuPercent: result.clientCpuPercent,
    crossP50: percentile(cross, 50),
    crossP99: percentile(cross, 99),
    crossReceived: cross.length,
    crossExpected: result.crossExpected,
    joinLoopP99: measurement.joinLoop.p99,
    joinLoopMax: measurement.joinLoop.max,
    loopP99: measurement.trafficLoop.p99,
    loopMax: measurement.trafficLoop.max,
    clientLoopP99: result.clientLoop?.p99 ?? NaN,
    clientLoopMax: result.clientLoop?.max ?? NaN,
    pagesMs: result.pagesMs ?? NaN,
    error: result.error,
  }
}

const failed = (error: unknown): Figures => ({ ...Object.fromEntries(['p50', 'p99', 'max', 'received', 'expected', 'joinMs', 'firstJoinMs', 'rawJoinMs', 'clientApplyMs', 'cpuPerDeliveryUs', 'joinCpuMs', 'postgresPer10s', 'postgresJoinMs', 'peakRssMb', 'rssBeforeMb', 'rssOpenMb', 'clientCpuPercent', 'crossP50', 'crossP99', 'crossReceived', 'crossExpected', 'joinLoopP99', 'joinLoopMax', 'loopP99', 'loopMax', 'clientLoopP99', 'clientLoopMax', 'pagesMs'].map((name) => [name, NaN])), error: error instanceof Error ? error.message : String(error) }) as Figures

function format(value: number, digits = 1) {
  if (!Number.isFinite(value)) return '—'
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits)
}

/** One value per repetition shown as "a" or "min–max". */
function spread(values: number[], digits = 1) {
  const finite = sortNumbers(values.filter(Number.isFinite))
  if (finite.length === 0) return '—'
  const low = format(finite[0], digits)
  const high = format(finite.at(-1)!, digits)
  return low === high ? low : `${low}–${high}`
}

const table = (rows: string[][]) => [rows[0], rows[0].map(() => '---'), ...rows.slice(1)].map((row) => `| ${row.join(' | ')} |`).join('\n')

// ---- the run

const temporary: string[] = []
const databases: string[] = []
let admin: ReturnType<typeof postgres> | undefined

async function cleanup() {
  await stopAll()
  for (const folder of temporary) await rm(folder, { recursive: true, force: true })
  if (admin) {
    for (const name of databases) await admin.unsafe(`drop database if exists "${name}" with (force)`).catch((error) => console.error(`could not drop database ${name}: ${error}`))
    await admin.end()
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping every process started, removing the temporary databases and folders`)
    void cleanup().finally(() => process.exit(130))
  })
}

async function main() {
  const startedAt = new Date()
  const commit = execFileSync('git', ['log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim()
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim()
  const started = performance.now()
  admin = postgres(adminUrl.href, { max: 1, onnotice: () => {} })
  const stamp = Date.now()
  const oursDatabase = `lh_bench_collab_${stamp}`
  const peerDatabase = `lh_bench_collab_hocuspocus_${stamp}`
  const checkingDatabase = `lh_bench_collab_hocuspocus_auth_${stamp}`
  for (const name of [oursDatabase, peerDatabase, checkingDatabase]) {
    await admin.unsafe(`create database "${name}"`)
    databases.push(name)
  }
  const urlOf = (name: string) => Object.assign(new URL(adminUrl.href), { pathname: `/${name}` }).href
  const pgliteDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-collab-pglite-'))
  const uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-collab-uploads-'))
  temporary.push(pgliteDir, uploadsDir)

  console.log(`Preparing: ${repetitions} repetition(s), ${seconds} s of inserts per scenario; machine load: ${load}`)
  const oursCookies = await prepareOurs({ url: urlOf(oursDatabase), dataDir: '' })
  const pgliteCookies = await prepareOurs({ dataDir: pgliteDir })
  await copySessions(urlOf(oursDatabase), urlOf(checkingDatabase))

  const servers: Record<ServerKey, RunningServer> = {
    'ours-pg': await startOurs('ours-pg', await freePort(), { databaseUrl: urlOf(oursDatabase), database: oursDatabase, dataDir: uploadsDir, cookies: oursCookies }),
    'ours-pglite': await startOurs('ours-pglite', await freePort(), { dataDir: pgliteDir, cookies: pgliteCookies }),
    'hocuspocus-pg': await startHocuspocus('hocuspocus-pg', await freePort(), { databaseUrl: urlOf(peerDatabase), database: peerDatabase }),
    'hocuspocus-pg-auth': await startHocuspocus('hocuspocus-pg-auth', await freePort(), { databaseUrl: urlOf(checkingDatabase), database: checkingDatabase, cookies: oursCookies }),
    hocuspocus: await startHocuspocus('hocuspocus', await freePort(), {}),
    reference: await startReference(await freePort()),
  }
  console.log(`Idle RSS MB: ${serverOrder.map((key) => `${serverLabels[key]} ${servers[key].idleRssMb.toFixed(0)}`).join(', ')}`)

  const results = new Map<string, Figures[]>() // `${scenario}/${server}` → one per repetition
  const record = (key: string, value: Figures) => results.set(key, [...(results.get(key) ?? []), value])
  /** One measured run of one server, recorded under `key`; a failure is recorded too. Then the server settles (writes, unloading). */
  const run = async (key: string, server: RunningServer, spec: ClientSpec, timeoutMs: number, label: string) => {
    let value: Figures
    try {
      value = figures(await measure([server], spec, timeoutMs))
    } catch (error) {
      value = failed(error)
    }
    record(key, value)
    const shown = `${Number.isFinite(value.pagesMs) ? `pages ${format(value.pagesMs, 0)} ms, ` : ''}join ${format(value.joinMs)} ms${spec.kind === 'edit' ? `, p50 ${format(value.p50)} ms, p99 ${format(value.p99)} ms, ${value.received}/${value.expected}, ${format(value.cpuPerDeliveryUs)} µs CPU/delivery` : ''}`
    console.log(`${label} · ${serverLabels[server.key]}: ${shown}${value.error ? ` — ${value.error}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  // Every scenario measures warm servers; what a fresh process's first clients cost is its own row.
  for (const key of serverOrder) await run(`${firstJoin.key}/${key}`, servers[key], { ...specFor(firstJoin, [servers[key]], 0, false), durationMs: 2000 }, 120_000, 'first join')
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const scenario of scenarios) {
      const order = serverOrder.map((_, index) => serverOrder[(index + repetition) % serverOrder.length])
      for (const key of order) {
        const writeFirst = scenario.kind === 'large' && !key.startsWith('ours')
        await run(`${scenario.key}/${key}`, servers[key], specFor(scenario, [servers[key]], repetition, writeFirst), 180_000, `[${repetition + 1}/${repetitions}] ${scenario.key}`)
      }
    }
    if (runTwoProcess) {
      const value = await twoProcessRun(repetition, urlOf(oursDatabase), oursDatabase, uploadsDir, oursCookies)
      record(`two/ours-pg`, value)
      console.log(`[${repetition + 1}/${repetitions}] two processes: ${value.error ?? `across p50 ${format(value.crossP50)} ms, p99 ${format(value.crossP99)} ms, ${value.crossReceived}/${value.crossExpected}`}`)
    }
  }
  const minutes = (performance.now() - started) / 60_000
  await stopAll()
  const loadAtEnd = execFileSync('uptime', { encoding: 'utf8' }).trim()
  return render({ startedAt, commit, load: `${load}\`, at the end \`${loadAtEnd}`, minutes, results, servers })
}

/** Two of our processes on the same Postgres and Redis, the clients of one document split over both. */
async function twoProcessRun(repetition: number, databaseUrl: string, database: string, uploadsDir: string, cookies: string[]): Promise<Figures> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    return failed(`skipped: Redis at ${redisUrl} does not answer (${error instanceof Error ? error.message : error})`)
  } finally {
    redis.disconnect()
  }
  const pair: RunningServer[] = []
  try {
    for (let index = 0; index < 2; index++) pair.push(await startOurs('ours-pg', await freePort(), { databaseUrl, database, dataDir: uploadsDir, cookies, redisUrl }))
    const value = figures(await measure(pair, specFor(twoProcess, pair, repetition, false), 180_000))
    if (value.crossReceived === 0) return { ...value, error: `skipped: no update crossed between the two processes (${value.received}/${value.expected} deliveries, all within a process) — several-process mode (REDIS_URL) is not in this build` }
    return value
  } catch (error) {
    return failed(error)
  } finally {
    await Promise.all(pair.map((server) => stop(server.child)))
  }
}

function render({ startedAt, commit, load, minutes, results, servers }: { startedAt: Date; commit: string; load: string; minutes: number; results: Map<string, Figures[]>; servers: Record<ServerKey, RunningServer> }) {
  const get = (scenario: string, server: ServerKey) => results.get(`${scenario}/${server}`) ?? []
  const med = (scenario: string, server: ServerKey, pick: (value: Figures) => number) => median(get(scenario, server).map(pick))
  const peers: ServerKey[] = ['hocuspocus-pg', 'hocuspocus-pg-auth', 'hocuspocus', 'reference']
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN)
  const sections: string[] = []
  const errors: string[] = []

  for (const scenario of scenarios) {
    const cells = (label: string, show: (values: Figures[]) => string) => [label, ...serverOrder.map((key) => show(get(scenario.key, key)))]
    const rows: string[][] = [[scenario.name, ...serverOrder.map((key) => serverLabels[key])]]
    if (scenario.kind !== 'large') {
      rows.push(cells('p50 / p99 / max propagation ms', (values) => `${spread(values.map((v) => v.p50))} / ${spread(values.map((v) => v.p99))} / ${spread(values.map((v) => v.max), 0)}`))
      rows.push(cells('deliveries received / expected', (values) => values.map((v) => `${v.received}/${v.expected}`).join(', ')))
    }
    if (scenario.kind === 'large') rows.push(cells('first client synced (ms; ours: loaded from the database)', (values) => spread(values.map((v) => v.firstJoinMs), 0)))
    if (scenario.kind !== 'large') rows.push(cells('editor pages loaded first, eight at a time (ours; ms, not part of the join)', (values) => spread(values.map((v) => v.pagesMs), 0)))
    rows.push(cells(`time until all ${scenario.documents * scenario.clientsPerDocument} clients synced (ms)`, (values) => spread(values.map((v) => v.joinMs), 0)))
    if (scenario.kind === 'large') {
      rows.push(cells('the same 20 as bare sockets, until each has sync step 2 (ms): the server\'s part', (values) => spread(values.map((v) => v.rawJoinMs), 0)))
      rows.push(cells('the client process applying the state 20 times, one after another (ms, mean of 3 × 20): the clients\' part', (values) => spread(values.map((v) => v.clientApplyMs), 0)))
    }
    if (scenario.kind === 'edit') rows.push(cells('server CPU µs per delivered update', (values) => spread(values.map((v) => v.cpuPerDeliveryUs), 0)))
    const joinUntil = scenario.kind === 'edit' ? ' (until the inserts start, 1 s after the last sync)' : ''
    rows.push(cells(`server CPU ms for the join${joinUntil}`, (values) => spread(values.map((v) => v.joinCpuMs), 0)))
    if (scenario.kind === 'edit') rows.push(cells('Postgres CPU s per 10 s of inserts (counted until 2 s after the clients left)', (values) => spread(values.map((v) => v.postgresPer10s), 2)))
    rows.push(cells(`Postgres CPU ms for the join${joinUntil}`, (values) => spread(values.map((v) => v.postgresJoinMs), 0)))
    rows.push(cells('RSS MB before → with everyone connected → peak', (values) => `${spread(values.map((v) => v.rssBeforeMb), 0)} → ${spread(values.map((v) => v.rssOpenMb), 0)} → ${spread(values.map((v) => v.peakRssMb), 0)}`))
    rows.push(cells('client process CPU %', (values) => spread(values.map((v) => v.clientCpuPercent), 0)))
    const loopCells = (p99: (v: Figures) => number, max: (v: Figures) => number) => (values: Figures[]) => `${spread(values.map(p99))} / ${spread(values.map(max), 0)}`
    rows.push(cells('server event loop late by, while joining: p99 / max ms', loopCells((v) => v.joinLoopP99, (v) => v.joinLoopMax)))
    if (scenario.kind === 'edit') {
      rows.push(cells('server event loop late by, during the inserts: p99 / max ms', loopCells((v) => v.loopP99, (v) => v.loopMax)))
      rows.push(cells('client process event loop late by, during the inserts: p99 / max ms', loopCells((v) => v.clientLoopP99, (v) => v.clientLoopMax)))
    }
    // Postgres CPU only means something for the servers on Postgres.
    for (const current of rows) for (const [index, key] of serverOrder.entries()) if (current[0].startsWith('Postgres') && !servers[key].database) current[index + 1] = '—'
    const ratioRows: string[][] = [['ours (Postgres) ÷', ...peers.map((key) => serverLabels[key])]]
    const ratioRow = (label: string, pick: (value: Figures) => number) => [label, ...peers.map((key) => format(ratio(med(scenario.key, 'ours-pg', pick), med(scenario.key, key, pick)), 2))]
    if (scenario.kind !== 'large') ratioRows.push(ratioRow('p50', (v) => v.p50), ratioRow('p99', (v) => v.p99))
    if (scenario.kind === 'edit') ratioRows.push(ratioRow('CPU per delivery', (v) => v.cpuPerDeliveryUs))
    ratioRows.push(ratioRow('join time', (v) => v.joinMs))
    if (scenario.kind === 'edit') ratioRows.push(['Postgres CPU', ...peers.map((key) => (servers[key].database ? format(ratio(med(scenario.key, 'ours-pg', (v) => v.postgresPer10s), med(scenario.key, key, (v) => v.postgresPer10s)), 1) : '—'))])
    const pglite = scenario.kind === 'large' ? '' : `\nPGlite p50 ÷ our Postgres p50: ${format(ratio(med(scenario.key, 'ours-pglite', (v) => v.p50), med(scenario.key, 'ours-pg', (v) => v.p50)), 2)}\n`
    sections.push(`### ${scenario.name}\n\n${table(rows)}\n\n${table(ratioRows)}\n${pglite}`)
    for (const key of serverOrder) for (const [index, value] of get(scenario.key, key).entries()) if (value.error) errors.push(`- ${scenario.key} · ${serverLabels[key]} · repetition ${index + 1}: ${value.error}`)
  }

  const first = (pick: (value: Figures) => number, digits = 0) => serverOrder.map((key) => format(med(firstJoin.key, key, pick), digits))
  const firstRows: string[][] = [[firstJoin.name, ...serverOrder.map((key) => serverLabels[key])]]
  firstRows.push(['time until all 10 clients synced (ms)', ...first((v) => v.joinMs)])
  firstRows.push(['server CPU ms for the join', ...first((v) => v.joinCpuMs)])
  firstRows.push(['server CPU µs per delivered update', ...first((v) => v.cpuPerDeliveryUs)])
  firstRows.push(['p50 / p99 propagation ms', ...serverOrder.map((key) => `${format(med(firstJoin.key, key, (v) => v.p50))} / ${format(med(firstJoin.key, key, (v) => v.p99))}`)])
  for (const key of serverOrder) for (const value of get(firstJoin.key, key)) if (value.error) errors.push(`- first join · ${serverLabels[key]}: ${value.error}`)

  // Memory of our server: idle, per open document (200 documents × 3 connections) and per connection (300 on one document).
  const memoryRows: string[][] = [['', ...serverOrder.map((key) => serverLabels[key])]]
  memoryRows.push(['idle RSS MB after start', ...serverOrder.map((key) => format(servers[key].idleRssMb, 0))])
  const perConnection = (key: ServerKey) => med('join300', key, (v) => ((v.rssOpenMb - v.rssBeforeMb) * 1024) / 300)
  const perDocument = (key: ServerKey) => med('docs200', key, (v) => ((v.rssOpenMb - v.rssBeforeMb) * 1024 - 600 * perConnection(key)) / 200)
  memoryRows.push(['RSS KB per connection (300 joining one document)', ...serverOrder.map((key) => format(perConnection(key), 0))])
  memoryRows.push(['RSS KB per open document, connections taken off (200 documents × 3)', ...serverOrder.map((key) => format(perDocument(key), 0))])

  // Targets of issue 15 (ratios of medians, Postgres mode against Hocuspocus + Postgres).
  const targetRows: string[][] = [['target', 'measured', 'met']]
  // A value just over its limit gets a digit more, so that "not met" never shows the limit itself (1.00).
  const target = (label: string, value: number, limit: number, digits = 2) =>
    targetRows.push([label, format(value, value > limit && Number(value.toFixed(digits)) <= limit ? digits + 1 : digits), Number.isFinite(value) ? (value <= limit ? 'met' : 'not met') : 'not measured'])
  for (const scenario of scenarios) {
    const versus = (pick: (value: Figures) => number) => ratio(med(scenario.key, 'ours-pg', pick), med(scenario.key, 'hocuspocus-pg', pick))
    if (scenario.kind !== 'large') target(`${scenario.key}: p99 ≤ 0.8 × Hocuspocus + Postgres`, versus((v) => v.p99), 0.8)
    if (scenario.kind === 'edit') target(`${scenario.key}: CPU per delivery ≤ 1.0 × Hocuspocus + Postgres`, versus((v) => v.cpuPerDeliveryUs), 1)
    target(`${scenario.key}: join time ≤ 1.0 × Hocuspocus + Postgres`, versus((v) => v.joinMs), 1)
    if (scenario.kind === 'edit') target(`${scenario.key}: Postgres CPU ≤ 10 × Hocuspocus + Postgres`, versus((v) => v.postgresPer10s), 10, 1)
    if (scenario.kind !== 'large') target(`${scenario.key}: PGlite p50 ≤ 1.5 × our Postgres p50`, ratio(med(scenario.key, 'ours-pglite', (v) => v.p50), med(scenario.key, 'ours-pg', (v) => v.p50)), 1.5)
  }
  if (scenarios.some((scenario) => scenario.key === 'large')) {
    target('large: 20 fresh y-websocket clients synced < 1000 ms (ours, Postgres)', med('large', 'ours-pg', (v) => v.joinMs), 1000, 0)
    target('large: 20 fresh bare sockets have sync step 2 < 1000 ms (ours, Postgres)', med('large', 'ours-pg', (v) => v.rawJoinMs), 1000, 0)
    target('large: 20 fresh bare sockets have sync step 2 < 1000 ms (ours, PGlite)', med('large', 'ours-pglite', (v) => v.rawJoinMs), 1000, 0)
  }
  target('idle RSS ≤ 120 MB (ours, Postgres)', servers['ours-pg'].idleRssMb, 120, 0)
  // Not a target: what the join ratios become against a peer that also checks every member's session.
  const checkingRows: string[][] = [['join time, ours (Postgres) ÷', 'Hocuspocus + Postgres', 'Hocuspocus + Postgres, checking sessions']]
  for (const scenario of scenarios) {
    const versus = (key: ServerKey) => format(ratio(med(scenario.key, 'ours-pg', (v) => v.joinMs), med(scenario.key, key, (v) => v.joinMs)), 2)
    checkingRows.push([scenario.key, versus('hocuspocus-pg'), versus('hocuspocus-pg-auth')])
  }

  let two = ''
  if (runTwoProcess) {
    const values = get('two', 'ours-pg')
    const one = get('one10', 'ours-pg')
    const skipped = values.find((value) => value.error)
    const rows: string[][] = [['1 document × 10 clients, an insert per client every 100 ms', 'one process', 'two processes: all deliveries', 'two processes: across processes']]
    rows.push(['p50 / p99 / max propagation ms', `${spread(one.map((v) => v.p50))} / ${spread(one.map((v) => v.p99))} / ${spread(one.map((v) => v.max), 0)}`, `${spread(values.map((v) => v.p50))} / ${spread(values.map((v) => v.p99))} / ${spread(values.map((v) => v.max), 0)}`, `${spread(values.map((v) => v.crossP50))} / ${spread(values.map((v) => v.crossP99))} / —`])
    rows.push(['deliveries received / expected', one.map((v) => `${v.received}/${v.expected}`).join(', '), values.map((v) => `${v.received}/${v.expected}`).join(', '), values.map((v) => `${v.crossReceived}/${v.crossExpected}`).join(', ')])
    rows.push(['server CPU µs per delivered update (both processes)', spread(one.map((v) => v.cpuPerDeliveryUs), 0), spread(values.map((v) => v.cpuPerDeliveryUs), 0), ''])
    two = `## Two processes (issue 16)\n\n${twoProcess.name}; the one-process column is the first scenario's run of ours (Postgres).\n\n${skipped ? `**Skipped**: ${skipped.error}\n\n` : ''}${table(rows)}\n`
  }

  const report = `# bench:collab — ${startedAt.toISOString()}

Measured at commit \`${commit}\`.
Loopback on one machine (${os.cpus().length} CPUs, Node ${process.version}); machine load (\`uptime\`) at start: \`${load}\` (other work runs on this machine: with a load far above 2, every server waits for a CPU and latencies grow for all of them).
${repetitions} repetition(s), servers alternating per scenario (order rotated per repetition), ${seconds} s of inserts per edit scenario; took ${minutes.toFixed(1)} min.
Servers, each its own process: ours as \`npm start\` runs it (compiled entry, production settings) on Postgres (a fresh database on 127.0.0.1:5432) and on embedded PGlite;
Hocuspocus 3.4.4 with \`@hocuspocus/extension-database\` storing one bytea row per document in a fresh database on the same Postgres (default debounce); the same checking sessions
(an \`onAuthenticate\` that checks the Origin and looks up the member's session cookie in a copy of our \`sessions\` and \`users\` tables in its database, one indexed query per connection, as ours refuses what it refuses); and memory only
(bench/peers/hocuspocus.mjs; a thin frame adapter lets y-websocket clients speak its multiplexed protocol); y-websocket 2.1.0's \`bin/server.cjs\` (reference, memory only).
Clients: unmodified y-websocket \`WebsocketProvider\`s in one separate process (bench/collab-client.ts); each insert is a paragraph whose text carries the sender's clock.
Edit scenarios start inserting 1 s after the last client synced: what the joins leave to do (presence, garbage) counts as join, and CPU per delivery is the propagation's.
Before the scenarios, each server's first 10 clients (code run for the first time, connections opened) are measured on their own ("A fresh process"): the scenarios compare warm servers.
Each of our clients first loads its editor page, as a browser does before its script opens the socket (not timed, its CPU not counted in the join; the page checks the session and starts loading the document: the socket then needs no lookup; not in the 10,000-paragraph scenario, whose first client is timed loading from the database).
Each of our clients is a member of its own, sending that member's session cookie and the Origin (to ours and to Hocuspocus checking sessions; the other peers check nothing). Figures are one value or min–max over the repetitions; ratios use medians.
Server CPU from /proc/<pid>/stat; Postgres CPU is the sum over the backends connected to that server's database (process titles; /proc/<pid>/schedstat, ns), not the shared background writers.
The client process's CPU is shown: when it nears 100 % the clients, not the server, set the latency.
Every process (each server, ours and the peers alike, through bench/loop-delay.cjs, and the client process) samples how late its event loop runs every 5 ms: a message arriving while a loop is late waits that long, so a propagation's tail is at least the worse of the two loops' tails.

## A fresh process

${table(firstRows)}

${sections.join('\n')}
## Memory

${table(memoryRows)}

Per connection: RSS growth from 300 clients joining one document ÷ 300; per document: growth with 200 documents × 3 clients open, less 600 connections, ÷ 200. RSS moves with garbage collection (a negative figure: a collection ran in between): read these as rough sizes.

## Targets (issue 15, item 5)

${table(targetRows)}

Why the ones not met are not, with the profiles: docs/decisions/014-collab-write-loop.md (its latest pass).

The join targets are set against a Hocuspocus that lets anyone in; ours checks every member's session before the socket exists. The same ratios against the Hocuspocus that checks the same sessions (for comparison, not a target):

${table(checkingRows)}

${two}${errors.length ? `\n## Failures\n\n${errors.join('\n')}\n` : ''}`
  return report
}

let exitCode = 0
try {
  const report = await main()
  await writeReport('collab', report)
} catch (error) {
  console.error(error)
  exitCode = 1
} finally {
  await cleanup()
}
// y-websocket and postgres leave timers behind; the report is written.
process.exit(exitCode)
