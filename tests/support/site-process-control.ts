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
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)))
  })
  return { child, ready }
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
