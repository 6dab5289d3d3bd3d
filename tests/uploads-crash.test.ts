import { randomUUID } from 'node:crypto'
import { watch } from 'node:fs'
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { inArray } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '#server/db/client'
import { attachments, examples, pendingUploads } from '#server/db/schema'
import { waitFor } from './support/collab-client'
import { createImportedDatabase, openTestDataDir } from './support/database'
import { exited, freePort, startSiteProcess } from './support/site-process-control'
import { consentingVisitor, pdfBytes } from './support/submissions'

// A real server process, so an abort is a real closed socket and a crash a real `kill -9`.
let dataDir: string
let location: string
let closeDatabase = async () => {}
let port: number
let site: ReturnType<typeof startSiteProcess>
const baseUrl = () => `http://127.0.0.1:${port}`
const temporaryDir = () => path.join(dataDir, 'uploads', 'tmp')

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lh-crash-'))
  const database = process.env.TEST_DB === 'postgres' ? await createImportedDatabase() : null
  if (database?.url) {
    location = database.url
    closeDatabase = database.close
    // The site process keeps its files in DATA_DIR when the database is a Postgres URL.
    process.env.DATA_DIR = dataDir
  } else {
    location = dataDir
    await (await openTestDataDir(dataDir)).close()
  }
  port = await freePort()
  site = startSiteProcess(port, location)
  await site.ready
})

afterAll(async () => {
  if (site.child.exitCode === null && site.child.signalCode === null) {
    site.child.kill('SIGKILL')
    await exited(site.child)
  }
  await closeDatabase().catch(() => {})
  await rm(dataDir, { recursive: true, force: true })
})

/** The database the site process uses; PGlite only once that process is gone. */
async function inDatabase<T>(work: (db: Database) => Promise<T>) {
  const handle = await openDatabase(location.startsWith('postgres') ? { url: location, dataDir: '' } : { dataDir })
  try {
    return await work(handle.db)
  } finally {
    await handle.close()
  }
}

async function storedFiles() {
  const root = path.join(dataDir, 'uploads')
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => [])
    return (await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`])))).flat()
  }
  return walk('voorbeelden')
}

/** Files the server process has open in the temporary folder (their names are already gone). */
async function openTemporaryFiles() {
  const descriptors = await readdir(`/proc/${site.child.pid}/fd`).catch(() => [])
  const targets = await Promise.all(descriptors.map((fd) => readlink(`/proc/${site.child.pid}/fd/${fd}`).catch(() => '')))
  return targets.filter((target) => target.startsWith(temporaryDir()))
}

/** Form tokens as a browser gets them; usable once the minimum fill time (3 s) has passed. */
async function formTokens(count: number) {
  const tokens: string[] = []
  for (let index = 0; index < count; index++) {
    const page = await (await fetch(baseUrl() + '/voorbeelden/nieuw')).text()
    tokens.push(/name="formulier_gestart" value="([^"]+)"/.exec(page)![1])
  }
  await waitFor(() => tokens.every((token) => Date.now() - Number(token.split('.')[0]) > 3100), 10_000, 'the minimum fill time')
  return tokens
}

const textFields = (token: string, name: string) => ({
  formulier_gestart: token,
  netwerk: name,
  regio: 'Gelderland',
  samenvatting: 'Een samenvatting die lang genoeg is om te tellen.',
  verhaal: 'Een verhaal dat lang genoeg is, want het moet minstens vijftig tekens hebben.',
  ...consentingVisitor,
})

describe('uploads leave nothing behind, also when the connection or the server dies', () => {
  it('an upload aborted after 1 MB leaves no temporary file, not even an open one', async () => {
    const [token] = await formTokens(1)
    const boundary = 'grens' + Date.now()
    const fieldParts = Object.entries(textFields(token, 'Netwerk dat de verbinding verbrak'))
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('')
    const fileHeader = `--${boundary}\r\nContent-Disposition: form-data; name="bestanden"; filename="groot.pdf"\r\nContent-Type: application/pdf\r\n\r\n`
    const socket = connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const head = `POST /voorbeelden/nieuw HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${baseUrl()}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`
    socket.write(head + fieldParts + fileHeader)
    socket.write(Buffer.concat([pdfBytes, Buffer.alloc(1024 * 1024)]))
    await waitFor(async () => (await openTemporaryFiles()).length > 0, 10_000, 'the server writing the upload')
    socket.destroy()
    await waitFor(async () => (await openTemporaryFiles()).length === 0, 10_000, 'the server letting go of the aborted upload')
    expect(await readdir(temporaryDir())).toEqual([])
    expect(await storedFiles()).toEqual([])
  }, 60_000)

  // Two server starts (about 30 s each on a busy 2-core machine) and two database opens.
  it('kill -9 during 12 submissions with files, then a restart: no stored file without a row, no temporary file, and resubmitting gives each example once', async () => {
    const names = Array.from({ length: 12 }, (_, index) => `Netwerk ${index} tijdens de crash`)
    const tokens = await formTokens(names.length)
    const form = (index: number) => {
      const body = new FormData()
      for (const [key, value] of Object.entries(textFields(tokens[index], names[index]))) body.append(key, value)
      for (const part of [1, 2]) body.append('bestanden', new Blob([new Uint8Array(Buffer.concat([pdfBytes, Buffer.alloc(4 * 1024 * 1024)]))], { type: 'application/pdf' }), `deel-${part}.pdf`)
      return body
    }
    const send = (index: number) => fetch(baseUrl() + '/voorbeelden/nieuw', { method: 'POST', body: form(index), redirect: 'manual', headers: { Origin: baseUrl(), 'X-Forwarded-For': `10.3.0.${index}` } })

    // Killed the moment the first file lands in storage: that submission has a file and no row yet.
    await mkdir(path.join(dataDir, 'uploads'), { recursive: true })
    const firstStored = new Promise<void>((resolve) => {
      const watcher = watch(path.join(dataDir, 'uploads'), { recursive: true }, (_event, name) => {
        if (!name || !/^voorbeelden\/[^/]+\/[^/]+$/.test(name)) return
        watcher.close()
        resolve()
      })
    })
    const answers = names.map((_, index) => send(index).then((answer) => answer.status, () => 'verbinding verbroken'))
    await firstStored
    site.child.kill('SIGKILL')
    await exited(site.child)
    const lost = (await Promise.all(answers)).filter((status) => status !== 302)
    expect(lost.length).toBeGreaterThan(0)

    const afterCrash = await storedFiles()
    const orphansAfterCrash = await inDatabase(async (db) => {
      const rows = await db.select({ key: attachments.storageKey }).from(attachments)
      return afterCrash.filter((key) => !rows.some((row) => row.key === key))
    })
    expect(orphansAfterCrash.length).toBeGreaterThan(0)

    // What kill -9 leaves when it lands between a temporary file's open and its unlink (one system call; CI hit it once).
    await mkdir(temporaryDir(), { recursive: true })
    await writeFile(path.join(temporaryDir(), randomUUID()), '')

    site = startSiteProcess(port, location)
    await site.ready
    // The start sweep ran before the server listened.
    expect((await storedFiles()).filter((key) => orphansAfterCrash.includes(key))).toEqual([])
    expect(await readdir(temporaryDir()).catch(() => [])).toEqual([])

    // Each visitor whose answer was lost sends the same form again.
    const resubmitted = await Promise.all(names.map((_, index) => send(index)))
    expect(resubmitted.map((answer) => answer.status)).toEqual(Array(names.length).fill(302))
    site.child.kill('SIGKILL')
    await exited(site.child)

    const onDisk = await storedFiles()
    await inDatabase(async (db) => {
      const saved = await db.select({ id: examples.id, name: examples.name }).from(examples).where(inArray(examples.name, names))
      expect(saved.map((row) => row.name).sort()).toEqual([...names].sort())
      const rows = await db.select({ key: attachments.storageKey }).from(attachments).where(inArray(attachments.exampleId, saved.map((row) => row.id)))
      expect(rows).toHaveLength(names.length * 2)
      expect(rows.map((row) => row.key).sort()).toEqual([...onDisk].sort())
      expect(await db.select().from(pendingUploads)).toEqual([])
    })
    expect(await readdir(temporaryDir()).catch(() => [])).toEqual([])
  }, 300_000)
})
