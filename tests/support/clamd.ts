import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './site-process-control'

/** The standard EICAR anti-virus test string: harmless, and every scanner reports it. */
export const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

const clamdBinary = ['/usr/sbin/clamd', '/usr/bin/clamd'].find((candidate) => existsSync(candidate)) ?? (spawnSync('which', ['clamd']).stdout?.toString().trim() || undefined)

/** Whether Debian's clamav-daemon is installed; tests that need it skip with a warning when not. */
export const clamdAvailable = Boolean(clamdBinary)
if (!clamdAvailable) console.warn('clamd is not installed (apt-get install clamav-daemon): the virus-scanning tests are skipped')

/**
 * Measured here (2 cores shared with other work): clamd with only the one
 * local signature answers PING after about 0.1–0.5 s and uses ~16 MB; most of
 * its start is loading its (tiny) database. 30 s leaves room for a loaded
 * machine; a real signature database (~300 MB) would need minutes.
 */
const startTimeoutMs = 30_000

export type TestClamd = { url: string; port: number; stop: () => Promise<void>; start: () => Promise<void> }

/**
 * A clamd of our own on a free TCP port, with a database directory holding only
 * a body signature for the EICAR string (found anywhere in a file, also inside
 * a valid PDF), in the foreground, without freshclam. `stop` and `start` take
 * it down and bring it back on the same port, as an outage would.
 */
export async function startClamd(): Promise<TestClamd> {
  if (!clamdBinary) throw new Error('clamd is not installed')
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lh-clamd-'))
  const database = path.join(directory, 'db')
  rmSync(database, { recursive: true, force: true })
  await import('node:fs/promises').then((fs) => fs.mkdir(database))
  writeFileSync(path.join(database, 'local.ndb'), `Local.Test.EICAR:0:*:${Buffer.from(eicar).toString('hex')}\n`)
  const port = await freePort()
  const config = path.join(directory, 'clamd.conf')
  writeFileSync(
    config,
    [`Foreground yes`, `DatabaseDirectory ${database}`, `TCPSocket ${port}`, `TCPAddr 127.0.0.1`, `LogFile ${path.join(directory, 'clamd.log')}`, `StreamMaxLength 25M`, `PidFile ${path.join(directory, 'clamd.pid')}`].join('\n') + '\n',
  )
  let child: ChildProcess | undefined
  const start = async () => {
    const started = Date.now()
    child = spawn(clamdBinary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let errors = ''
    child.stderr?.on('data', (chunk) => (errors += String(chunk)))
    while (!(await pings(port))) {
      if (child.exitCode !== null) throw new Error(`clamd stopped on start: ${errors}`)
      if (Date.now() - started > startTimeoutMs) throw new Error(`clamd did not answer PING within ${startTimeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const stop = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGTERM')
    const forced = setTimeout(() => running.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(forced)
  }
  await start()
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    start,
    stop: async () => stop(),
    // Not in the type: removes the folder as well.
    ...{ close: async () => (await stop(), rmSync(directory, { recursive: true, force: true })) },
  }
}

export async function stopClamd(clamd: TestClamd) {
  await (clamd as TestClamd & { close: () => Promise<void> }).close()
}

function pings(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(1000, () => socket.destroy())
    socket.on('connect', () => socket.write('zPING\0'))
    socket.on('data', (chunk) => {
      reply += String(chunk)
      if (reply.includes('PONG')) {
        socket.end()
        resolve(true)
      }
    })
    socket.on('error', () => resolve(false))
    socket.on('close', () => resolve(reply.includes('PONG')))
  })
}
