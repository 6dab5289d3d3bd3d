import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { DatabaseHandle } from '#server/db/client'
import { createImportedDatabase, openTestDataDir } from './database'

export type LogLine = { level: number; msg: string; requestId?: string; [field: string]: unknown }

/**
 * `npm start` (scripts/start.js) as an operator runs it: production mode, its own process,
 * with the JSON log lines it prints kept for the test to read.
 */
export function npmStart(port: number, environment: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/start.js'], {
    env: { ...process.env, NODE_ENV: 'production', INSECURE_COOKIES: '1', LOG_LEVEL: 'info', PORT: String(port), ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogLine[] = []
  let output = ''
  let pending = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    pending += chunk.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine)
      } catch {
        // The build step and npm print plain text lines.
      }
    }
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => logs.some((line) => line.msg?.startsWith('Levende Handreiking draait op')) && resolve())
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)))
  })
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return { child, logs, ready, stop, output: () => output }
}

/**
 * A database a separate server process can open, holding the imported first edition: a new Postgres
 * database in the 'postgres' project, else an embedded one in its own directory. Prepare data through `database`, then
 * `handOver()` before the server starts (PGlite allows one process at a time).
 */
export async function databaseForProcess(): Promise<{ database: DatabaseHandle; environment: Record<string, string>; handOver: () => Promise<void>; remove: () => Promise<void> }> {
  if (process.env.TEST_DB === 'postgres') {
    const database = await createImportedDatabase()
    return { database, environment: { DATABASE_URL: database.url! }, handOver: async () => {}, remove: () => database.close() }
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lh-npm-start-'))
  const database = await openTestDataDir(dataDir)
  let open = true
  const handOver = async () => {
    if (open) await database.close()
    open = false
  }
  return {
    database,
    environment: { DATA_DIR: dataDir },
    handOver,
    remove: async () => {
      await handOver()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
