// npm run bench:read — what readers get: the app (as `npm start` runs it: build/server-entry.js, in its
// own process) against a bare node:http server returning the very same bytes, alternating, at
// 64 connections: a section page, the home page and the PDF for anonymous readers, and a section
// page for a signed-in member; on embedded PGlite and on Postgres (BENCH_DATABASE_URL or the
// machine's postgres://postgres@127.0.0.1:5432/postgres, in a database of its own).
// Prints a table; writes bench/results/local/read.md, or bench/results/read.md with --save.
// The load generator (autocannon, in this process) runs on CPU 0 and the server under test — the app and
// the bare peer alike — on CPU 1 (`taskset`), so neither takes CPU time from the other.
// `--baseline <dir>`: also measures the signed-in page of another checkout (e.g. the commit before a
// change, `git worktree add <dir> <commit>`), in the same run, alternating with the same bare server.
import './quiet'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
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
// BENCH_ONLY=pglite or postgres: one database mode. BENCH_SERVER_FLAGS: other node flags for the app
// than `npm start`'s (e.g. "--max-semi-space-size=16", to compare), reported in the header.
const only = process.env.BENCH_ONLY?.toLowerCase()
const appCommand = process.env.BENCH_SERVER_FLAGS === undefined ? serverCommand : [...process.env.BENCH_SERVER_FLAGS.split(' ').filter(Boolean), serverCommand.at(-1)!]

type Target = { label: string; path: string; cookie?: string; baseline?: boolean }
type Measured = { requestsPerSecond: number; p50: number; p99: number; errors: number; cpuMsPerRequest?: number }

// One CPU for the load generator, another for the server under test (on a single CPU, both share it).
const cpuCount = os.cpus().length
const loadCpu = 0
const serverCpu = cpuCount > 1 ? 1 : 0
execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(loadCpu), String(process.pid)], { stdio: 'ignore' })
/** A command run on the server's CPU. */
const pinned = (command: string[]) => ['taskset', '--cpu-list', String(serverCpu), ...command]

const baselineIndex = process.argv.indexOf('--baseline')
const baselineDir = baselineIndex > 0 ? path.resolve(process.argv[baselineIndex + 1]) : null
const baselineCommit = baselineDir ? commitOf(baselineDir) : ''
if (baselineDir) execFileSync(process.execPath, ['scripts/build-if-needed.js'], { cwd: baselineDir, stdio: 'inherit' })

/** Imports the content and makes a member with a session, before the server opens the database. */
async function prepare(location: { url?: string; dataDir: string }) {
  const database = await openDatabase(location)
  await importContentIfEmpty(database.db, readConfig().contentDir)
  const [member] = await database.db.insert(users).values({ email: `lezer-${Date.now()}@voorbeeld.nl`, name: 'Bench Lid', role: 'member', passwordHash: 'not-used' }).returning()
  const { token } = await createSession(database.db, member.id, 'bench')
  await database.close()
  return `${sessionCookieName}=${token}`
}

function startApp(port: number, environment: Record<string, string>, cwd?: string) {
  const [command, ...args] = pinned([process.execPath, ...appCommand])
  const child = spawn(command, args, {
    cwd,
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
  const [command, ...args] = pinned([process.execPath, '-e', code])
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
  return { child, stop: async () => { child.kill(); await rm(bodyFile, { force: true }) } }
}

/**
 * One run; with `pid`, also the CPU time that process spent per request (robust on a machine others
 * load too): counted until the process is idle again, over the answered requests plus the one still
 * in flight on each connection when the run stopped (the process finishes those too).
 */
async function load(url: string, cookie?: string, pid?: number): Promise<Measured> {
  const before = pid ? (await processStats(pid)).cpuSeconds : 0
  const result = await autocannon({ url, connections, duration: seconds, headers: cookie ? { cookie } : {} })
  let cpuMsPerRequest: number | undefined
  if (pid) {
    let used = (await processStats(pid)).cpuSeconds
    for (let settled = false; !settled; ) {
      await new Promise((resolve) => setTimeout(resolve, 300))
      const now = (await processStats(pid)).cpuSeconds
      settled = now - used < 0.02
      used = now
    }
    cpuMsPerRequest = ((used - before) * 1000) / (result.requests.total + connections)
  }
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, cpuMsPerRequest }
}

/** The checkout's commit, or the folder's name for an exported tree (`git archive <commit>`). */
function commitOf(dir: string) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return path.basename(dir)
  }
}

type App = { child: ChildProcess; base: string; cookie: string }

async function startPrepared(location: { url?: string; dataDir: string }, environment: Record<string, string>, cwd?: string): Promise<App> {
  const cookie = await prepare(location)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = startApp(port, environment, cwd)
  await untilHealthy(base, child)
  return { child, base, cookie }
}

async function stopApp(app: App) {
  app.child.kill('SIGTERM')
  await new Promise((resolve) => app.child.once('exit', resolve))
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length

async function measureMode(mode: 'PGlite' | 'Postgres', targets: Target[], location: () => Promise<{ location: { url?: string; dataDir: string }; environment: Record<string, string>; done: () => Promise<void> }>) {
  const own = await location()
  const app = await startPrepared(own.location, own.environment)
  const idleRss = (await processStats(app.child.pid!)).rssMb
  // The peak over the whole run, and that of the current phase (the warm-up, then each page's runs).
  let peakRss = idleRss
  let phasePeak = idleRss
  const sampler = setInterval(
    () =>
      void processStats(app.child.pid!)
        .then((stats) => {
          peakRss = Math.max(peakRss, stats.rssMb)
          phasePeak = Math.max(phasePeak, stats.rssMb)
        })
        .catch(() => {}),
    200,
  )
  // The baseline checkout runs beside it, in a database of its own; its memory is not what is reported.
  const other = baselineDir && targets.some((target) => target.baseline) ? await location() : null
  const baseline = other ? await startPrepared(other.location, other.environment, baselineDir!) : null
  // Steady state is what is measured: the PDF rendered once (the home page shows its size) and every page stored.
  await (await fetch(app.base + '/handreiking.pdf')).arrayBuffer()
  for (const target of targets) await (await fetch(app.base + target.path, { headers: target.cookie === 'member' ? { cookie: app.cookie } : {} })).arrayBuffer()
  // The home page is made again once the PDF's facts are known: wait for that before measuring.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  for (const target of targets) await (await fetch(app.base + target.path, { headers: target.cookie === 'member' ? { cookie: app.cookie } : {} })).arrayBuffer()
  const warmRss = (await processStats(app.child.pid!)).rssMb
  const warmPeak = Math.max(phasePeak, warmRss)
  const loadPeaks: string[] = []
  const rows: string[][] = []
  for (const target of targets) {
    phasePeak = (await processStats(app.child.pid!)).rssMb
    const targetCookie = target.cookie === 'member' ? app.cookie : undefined
    const sample = await fetch(app.base + target.path, { headers: targetCookie ? { cookie: targetCookie, 'accept-encoding': 'identity' } : { 'accept-encoding': 'identity' } })
    const body = Buffer.from(await sample.arrayBuffer())
    const barePort = await freePort()
    const bare = await startBare(barePort, body, sample.headers.get('content-type') ?? 'text/html')
    const measured = target.baseline && baseline ? [{ label: `${target.label}, ${mode}, today (${baselineCommit})`, app: baseline }, { label: `${target.label}, ${mode}`, app }] : [{ label: `${target.label}, ${mode}`, app }]
    const appRuns = measured.map(() => [] as Measured[])
    const bareRuns: Measured[] = []
    for (let round = 0; round < rounds; round++) {
      for (const [index, { app: server }] of measured.entries()) appRuns[index].push(await load(server.base + target.path, targetCookie ? server.cookie : undefined, server.child.pid))
      bareRuns.push(await load(`http://127.0.0.1:${barePort}${target.path}`))
    }
    await bare.stop()
    loadPeaks.push(`${target.label} ${phasePeak.toFixed(0)}`)
    const bareRate = mean(bareRuns.map((run) => run.requestsPerSecond))
    for (const [index, { label }] of measured.entries()) {
      const runs = appRuns[index]
      const appRate = mean(runs.map((run) => run.requestsPerSecond))
      rows.push([
        label,
        `${(body.length / 1024).toFixed(0)} KB`,
        appRate.toFixed(0),
        bareRate.toFixed(0),
        (appRate / bareRate).toFixed(2),
        `${mean(runs.map((run) => run.p50)).toFixed(1)} / ${Math.max(...runs.map((run) => run.p99)).toFixed(1)}`,
        `${mean(bareRuns.map((run) => run.p50)).toFixed(1)} / ${Math.max(...bareRuns.map((run) => run.p99)).toFixed(1)}`,
        mean(runs.map((run) => run.cpuMsPerRequest ?? 0)).toFixed(2),
        String(runs.reduce((sum, run) => sum + run.errors, 0)),
      ])
    }
  }
  clearInterval(sampler)
  await stopApp(app)
  await own.done()
  if (baseline) await stopApp(baseline)
  await other?.done()
  return { rows, memory: [mode, idleRss.toFixed(0), `${warmRss.toFixed(0)} (${warmPeak.toFixed(0)})`, loadPeaks.join('; '), peakRss.toFixed(0), (peakRss - idleRss).toFixed(0)] }
}

const readerTargets: Target[] = [
  { label: 'section page', path: '/handreiking/mandaat' },
  { label: 'home page', path: '/' },
  { label: 'PDF', path: '/handreiking.pdf' },
  { label: 'section page, signed-in member', path: '/handreiking/mandaat', cookie: 'member', baseline: true },
]

const embeddedLocation = async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-read-'))
  return { location: { dataDir }, environment: { DATA_DIR: dataDir }, done: () => rm(dataDir, { recursive: true, force: true }) }
}
const none = { rows: [], memory: null }
const embedded = only === 'postgres' ? none : await measureMode('PGlite', readerTargets, embeddedLocation)

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
const postgresLocation = async () => {
  const databaseName = `bench_read_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  await admin.unsafe(`create database ${databaseName}`)
  const databaseUrl = new URL(adminUrl)
  databaseUrl.pathname = `/${databaseName}`
  const uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'lh-bench-read-pg-'))
  return {
    location: { url: databaseUrl.href, dataDir: '' },
    environment: { DATABASE_URL: databaseUrl.href, DATA_DIR: uploadsDir },
    done: async () => {
      await admin.unsafe(`drop database ${databaseName} with (force)`)
      await rm(uploadsDir, { recursive: true, force: true })
    },
  }
}
const real = only === 'pglite' ? none : await measureMode('Postgres', [readerTargets[0], readerTargets[1], readerTargets[3]], postgresLocation)
await admin.end()

const table = (header: string[], rows: string[][]) => [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
const report = `# bench:read — ${new Date().toISOString()}

${connections} connections, ${rounds} × ${seconds} s per server, app and bare server alternating; ${cpuCount} CPUs, Node ${process.version}.
The app runs ${appCommand === serverCommand ? 'as \`npm start\` runs it ' : ''}(\`node ${appCommand.join(' ')}\`) in its own process; the bare peer is a node:http process returning the same bytes.
CPUs: the server under test (app and bare peer alike) on CPU ${serverCpu}, the load generator (autocannon) on CPU ${loadCpu} (\`taskset\`).
CPU ms/request: the app process's CPU time over its runs (until idle again) divided by the requests it handled, answered or in flight at the end (less sensitive than req/s to other work on the machine).
${baselineDir ? `"today" rows: the same page from ${baselineCommit} (\`--baseline\`), measured in the same run, alternating with this checkout.\n` : ''}Machine load when the run ended (uptime): ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}.

${table(['what', 'size', 'app req/s', 'bare req/s', 'ratio', 'app p50 / p99 ms', 'bare p50 / p99 ms', 'app CPU ms/request', 'app errors'], [...embedded.rows, ...real.rows])}

${table(['app memory', 'idle RSS MB', 'after the PDF and every page once (peak meanwhile) MB', 'peak while each page is measured MB', 'peak RSS MB', 'growth MB'], [embedded.memory, real.memory].filter((row) => row !== null))}
`
await writeReport('read', report)
process.exit(0)
