// The servers bench:collab compares, each a real process of its own, and what is read from /proc about them.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { sessionCookieName } from '#server/auth/cookies'
import { processStats } from '#tests/support/site-process-control'
import { serverCommand } from '../scripts/server-command.js'

export type ServerKey = 'ours-pg' | 'ours-pglite' | 'hocuspocus-pg' | 'hocuspocus-pg-auth' | 'hocuspocus' | 'reference'
export const serverLabels: Record<ServerKey, string> = {
  'ours-pg': 'ours (Postgres)',
  'ours-pglite': 'ours (PGlite)',
  'hocuspocus-pg': 'Hocuspocus + Postgres',
  'hocuspocus-pg-auth': 'Hocuspocus + Postgres, checking sessions',
  hocuspocus: 'Hocuspocus',
  reference: 'reference',
}

export type RunningServer = {
  key: ServerKey
  child: ChildProcess
  /** The websocket base URL a WebsocketProvider is given, and per member the headers their browser would send (none for the peers). */
  url: string
  headers: Array<Record<string, string>>
  /** Ours: the site whose editor pages the members' browsers load before opening their sockets. */
  site?: string
  /** The Postgres database whose backends' CPU counts for this server, if any. */
  database?: string
  idleRssMb: number
  /** Where its event-loop delay is written on SIGUSR2 (bench/loop-delay.cjs). */
  loopDelayFile: string
}

/** Every server runs with bench/loop-delay.cjs preloaded: the same 5 ms sampler in each. */
const loopDelay = () => {
  const file = path.join(os.tmpdir(), `lh-loop-delay-${process.pid}-${Math.random().toString(36).slice(2)}.json`)
  return { file, args: ['--require', path.resolve('bench/loop-delay.cjs')], env: { BENCH_LOOP_DELAY_FILE: file } }
}

export type LoopDelay = { p50: number; p99: number; max: number }

/** The event-loop delay since the last reading (or the start), and the histogram starts again. */
export async function readLoopDelay(server: RunningServer): Promise<LoopDelay> {
  await rm(server.loopDelayFile, { force: true })
  server.child.kill('SIGUSR2')
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const text = await readFile(server.loopDelayFile, 'utf8').catch(() => '')
    if (text) {
      await rm(server.loopDelayFile, { force: true })
      return JSON.parse(text) as LoopDelay
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return { p50: NaN, p99: NaN, max: NaN }
}

const children = new Set<ChildProcess>()

/** Spawns a process that cleanup() will end, whatever happens. */
export function track(child: ChildProcess) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Ends every process spawned here: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 15_000) {
  await Promise.all([...children].map((child) => stop(child, graceMs)))
}

export async function stop(child: ChildProcess, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

function environment(extra: Record<string, string | undefined>) {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL', 'DATA_DIR', 'PORT', 'HOST']) delete env[name]
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value
  return env
}

function waitFor(condition: () => Promise<boolean>, child: ChildProcess, what: string, timeoutMs = 120_000) {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs
    const poll = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready`))
      if (await condition().catch(() => false)) return resolve()
      if (Date.now() > deadline) return reject(new Error(`${what} not ready within ${timeoutMs / 1000} s`))
      setTimeout(poll, 100)
    }
    void poll()
  })
}

function printed(child: ChildProcess, text: string) {
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return async () => output.includes(text)
}

/** Our server as `npm start` runs it (the compiled entry, production settings), on Postgres or on an embedded PGlite data dir. */
export async function startOurs(key: 'ours-pg' | 'ours-pglite', port: number, options: { databaseUrl?: string; database?: string; dataDir: string; cookies: string[]; redisUrl?: string }): Promise<RunningServer> {
  const origin = `http://127.0.0.1:${port}`
  const delay = loopDelay()
  const command = process.env.BENCH_NODE_FLAGS ? [...process.env.BENCH_NODE_FLAGS.split(' '), 'build/server-entry.js'] : serverCommand
  // BENCH_SERVER_STDOUT: our server's standard output appended to that file (e.g. with BENCH_NODE_FLAGS=--trace-gc).
  const stdout = process.env.BENCH_SERVER_STDOUT ? openSync(process.env.BENCH_SERVER_STDOUT, 'a') : 'ignore'
  const child = track(
    spawn(process.execPath, [...delay.args, ...command], {
      env: environment({ ...delay.env, NODE_ENV: 'production', INSECURE_COOKIES: '1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PORT: String(port), PUBLIC_URL: origin, DATA_DIR: options.dataDir, DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl }),
      stdio: ['ignore', stdout, 'inherit'],
    }),
  )
  // The child has its own copy of the descriptor.
  if (typeof stdout === 'number') closeSync(stdout)
  await waitFor(async () => (await fetch(`${origin}/healthz`)).ok, child, serverLabels[key])
  return { key, child, url: `ws://127.0.0.1:${port}/collab`, site: origin, headers: options.cookies.map((cookie) => ({ Cookie: cookie, Origin: origin })), database: options.database, idleRssMb: await settledRss(child.pid!), loopDelayFile: delay.file }
}

/** Hocuspocus; with `cookies`, it checks the Origin and these members' sessions (copied into its database) as ours does. */
export async function startHocuspocus(key: 'hocuspocus-pg' | 'hocuspocus-pg-auth' | 'hocuspocus', port: number, options: { databaseUrl?: string; database?: string; cookies?: string[] }): Promise<RunningServer> {
  const origin = `http://127.0.0.1:${port}`
  const checkSessions = options.cookies ? { CHECK_SESSIONS: origin, SESSION_COOKIE: sessionCookieName } : {}
  const delay = loopDelay()
  const child = track(spawn(process.execPath, [...delay.args, 'bench/peers/hocuspocus.mjs'], { env: environment({ ...delay.env, PORT: String(port), DATABASE_URL: options.databaseUrl, ...checkSessions }), stdio: ['ignore', 'pipe', 'inherit'] }))
  await waitFor(printed(child, 'ready\n'), child, serverLabels[key])
  const headers = (options.cookies ?? []).map((cookie) => ({ Cookie: cookie, Origin: origin }))
  return { key, child, url: `ws://127.0.0.1:${port}`, headers, database: options.database, idleRssMb: await settledRss(child.pid!), loopDelayFile: delay.file }
}

/** y-websocket 2.1.0's own server (bin/server.cjs), the reference for yjs 13, in memory. */
export async function startReference(port: number): Promise<RunningServer> {
  const delay = loopDelay()
  const child = track(spawn(process.execPath, [...delay.args, 'node_modules/y-websocket-reference/bin/server.cjs'], { env: environment({ ...delay.env, HOST: '127.0.0.1', PORT: String(port) }), stdio: ['ignore', 'pipe', 'inherit'] }))
  await waitFor(printed(child, 'running at'), child, serverLabels.reference)
  return { key: 'reference', child, url: `ws://127.0.0.1:${port}`, headers: [], idleRssMb: await settledRss(child.pid!), loopDelayFile: delay.file }
}

/** RSS once start-up work (first imports, timers) has settled. */
async function settledRss(pid: number) {
  await new Promise((resolve) => setTimeout(resolve, 2000))
  return (await processStats(pid)).rssMb
}

/** CPU seconds of every Postgres backend connected to `database` (their process title names it), by pid, from /proc/<pid>/schedstat. */
export async function postgresCpu(database: string | undefined): Promise<Map<number, number>> {
  const usage = new Map<number, number>()
  if (!database) return usage
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const title = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ')
      if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue
      // schedstat's time on CPU is in nanoseconds: a backend storing a row every 2 s uses less than stat's 10 ms tick.
      const [onCpuNs] = (await readFile(`/proc/${entry}/schedstat`, 'utf8')).split(' ')
      usage.set(Number(entry), Number(onCpuNs) / 1e9)
    } catch {
      // the process ended while we looked
    }
  }
  return usage
}

/** CPU seconds the backends used between two readings (a backend that appeared counts from zero). */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>) {
  let total = 0
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0)
  return total
}
