import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'

export async function freePort() {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** The real site in its own process (tests/support/site-process.ts), for crash and memory tests. */
export function startSiteProcess(port: number, location: string, environment: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/site-process.ts', String(port), location], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...environment },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stdin!.on('error', () => {})
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stdout.includes(text)) return
        child.stdout!.off('data', check)
        resolve()
      }
      child.stdout!.on('data', check)
      child.once('exit', (code) => reject(new Error(`server process exited with ${code} before printing "${text}"`)))
      check()
    })
  const ready = printed('ready\n')
  ready.catch(() => {})
  /** Resolves once the server has written what it holds of the document (not waiting for its write window). */
  const flush = (document: string) => {
    stdout = stdout.replaceAll(`flushed ${document}\n`, '')
    child.stdin!.write(`flush ${document}\n`)
    return printed(`flushed ${document}\n`)
  }
  return { child, ready, flush }
}

/**
 * Resolves once the server in `child` answers /healthz with 200, for a server whose log is kept quiet
 * (so there is no ready line to wait for, e.g. a benchmark's); rejects if the process exits first.
 */
export async function untilHealthy(baseUrl: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited with ${child.exitCode ?? child.signalCode} before it was healthy`)
    const healthy = await fetch(baseUrl + '/healthz').then((response) => response.ok, () => false) // not listening yet
    if (healthy) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server did not answer /healthz within ${timeoutMs} ms`)
}

export const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve))

/** CPU time used so far and resident memory of a process, from /proc. */
export async function processStats(pid: number) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
  }
}

export type ServerEntryProcess = {
  child: ChildProcess
  /** Everything the process printed so far (pino JSON lines on stdout, refusals on stderr). */
  output: () => { stdout: string; stderr: string }
  /** Log lines whose message is exactly `message`. */
  logLines: (message: string) => Array<Record<string, unknown>>
  /** Resolves once the server logs that it serves; rejects with its output if it exits first. */
  ready: Promise<void>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The site as an operator runs it: `node scripts/start.js` (what `npm start` runs) or the server entry
 * itself, in a process group of its own so a test can signal the group as a terminal's Ctrl-C does.
 */
export function startServerEntry(options: { entry: 'start' | 'server'; port: number; dataDir: string; env?: Record<string, string | undefined> }): ServerEntryProcess {
  const args = options.entry === 'start' ? ['scripts/start.js'] : ['--import', 'tsx', 'server/index.ts']
  const child = spawn(process.execPath, args, {
    detached: true,
    env: embeddedEnv({ PORT: String(options.port), DATA_DIR: options.dataDir, LOG_LEVEL: 'info', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => stdout.includes('draait op') && resolve()
    child.stdout!.on('data', check)
    void exit.then(({ code }) => reject(new Error(`server exited with ${code} before it was ready:\n${stdout}\n${stderr}`)))
  })
  ready.catch(() => {})
  const logLines = (message: string) =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === message)
  return { child, output: () => ({ stdout, stderr }), logLines, ready, exit }
}

/** Runs a script to its end (e.g. `npm run user:create`), with its output. */
export function runScript(script: string, args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: embeddedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

/** This process' environment for a child on the embedded database (no DATABASE_URL unless given). */
function embeddedEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.DATABASE_URL
  delete env.PUBLIC_URL
  return { ...env, ...extra }
}
