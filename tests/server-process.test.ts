// The server as an operator runs it (`npm start` → scripts/start.js → server/index.ts), in its own
// process: stopping it with signals, a port in use, two servers on one data folder, and
// `npm run user:create` with the server running and stopped.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { JSONContent } from '@tiptap/core'
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDocuments } from '#server/collab/persistence'
import { openDatabase } from '#server/db/client'
import { documentPlainText } from '#server/handbook/render'
import { connectClient, waitFor, waitForSync } from './support/collab-client'
import { openTestDataDir } from './support/database'
import { createUser, sessionCookieFor } from './support/factories'
import { freePort, runScript, startServerEntry, type ServerEntryProcess } from './support/site-process-control'

// Every test here starts real server processes: each start opens a PGlite folder on disk, migrates
// and imports content/ (5–10 s alone, three times that with both CPUs busy), so the timeouts allow
// two to three starts at busy-machine speed.
const processTestTimeoutMs = 180_000

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lh-proc-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function start(options: Parameters<typeof startServerEntry>[0]) {
  const server = startServerEntry(options)
  cleanups.push(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) process.kill(-server.child.pid!, 'SIGKILL')
  })
  return server
}

/** A data folder with a member's session in it, made before the server opens it (one process per folder). */
async function dataDirWithMember(root: string) {
  const dataDir = path.join(root, 'data')
  const database = await openTestDataDir(dataDir)
  const cookie = await sessionCookieFor(database.db, (await createUser(database.db)).id)
  await database.close()
  return { dataDir, cookie }
}

async function storedText(dataDir: string, document: string) {
  const database = await openDatabase({ dataDir })
  try {
    const { doc } = (await loadDocuments(database.db, [document])).get(document)!
    return documentPlainText(yXmlFragmentToProsemirrorJSON(doc.getXmlFragment('default')) as JSONContent)
  } finally {
    await database.close()
  }
}

const stopped = async (server: ServerEntryProcess) => {
  const exit = await server.exit
  return { ...exit, ...server.output() }
}

describe.skipIf(process.env.TEST_DB === 'postgres')('stopping the server', () => {
  it.each([
    { how: 'SIGTERM twice to the process group of scripts/start.js', signal: 'SIGTERM' as const, times: 2, target: 'group' },
    { how: 'SIGINT (Ctrl-C) to scripts/start.js alone, which passes it on', signal: 'SIGINT' as const, times: 1, target: 'parent' },
  ])(
    '$how mid-edit: one shutdown, every edit stored, the data folder opens cleanly',
    async ({ signal, times, target }) => {
      const { dataDir, cookie } = await dataDirWithMember(await tempDir())
      const port = await freePort()
      const server = start({ entry: 'start', port, dataDir })
      await server.ready
      const baseUrl = `http://127.0.0.1:${port}`

      const writer = connectClient(baseUrl, 'lobby', cookie)
      const reader = connectClient(baseUrl, 'lobby', cookie)
      cleanups.push(() => writer.close(), () => reader.close())
      const closeCodes: number[] = []
      writer.provider.on('connection-close', (event: CloseEvent | null) => event && closeCodes.push(event.code))
      await Promise.all([waitForSync(writer), waitForSync(reader)])
      const typed = Array.from({ length: 5 }, (_, index) => `Zin ${index + 1}, getypt vlak voor het stoppen`)
      for (const line of typed) writer.addParagraph(line)
      // The server has every edit once it has passed it on to the other client; its write window
      // (1 s) has not run out yet, so they are still in memory when the signal comes.
      await waitFor(() => typed.every((line) => reader.text().includes(line)), 20_000, 'edits reaching the other client')
      for (let index = 0; index < times; index++) process.kill(target === 'group' ? -server.child.pid! : server.child.pid!, signal)

      const result = await stopped(server)
      expect(result.code, result.stderr).toBe(0)
      expect(server.logLines('shutting down')).toHaveLength(1)
      expect(server.logLines('stopped: live documents written, database closed')).toHaveLength(1)
      expect(closeCodes).toContain(1001)
      writer.provider.disconnect()
      reader.provider.disconnect()

      expect(existsSync(path.join(dataDir, 'lock.pid'))).toBe(false)
      const text = await storedText(dataDir, 'lobby')
      for (const line of typed) expect(text).toContain(line)
    },
    processTestTimeoutMs,
  )
})

describe.skipIf(process.env.TEST_DB === 'postgres')('one server per port and per data folder', () => {
  it(
    'a port in use: the server refuses plainly and does not touch DATA_DIR',
    async () => {
      const busy = createServer()
      await new Promise<void>((resolve) => busy.listen(0, resolve))
      cleanups.push(() => new Promise((resolve) => busy.close(resolve)))
      const port = (busy.address() as { port: number }).port
      const dataDir = path.join(await tempDir(), 'data')

      const result = await stopped(start({ entry: 'server', port, dataDir }))
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`Poort ${port} is al in gebruik`)
      expect(existsSync(dataDir)).toBe(false)
    },
    processTestTimeoutMs,
  )

  it(
    'a second server on the same DATA_DIR refuses and names the first; user:create asks the running server, and works with it stopped',
    async () => {
      const dataDir = path.join(await tempDir(), 'data')
      const port = await freePort()
      let first = start({ entry: 'server', port, dataDir })
      await first.ready

      const second = await stopped(start({ entry: 'server', port: await freePort(), dataDir }))
      expect(second.code).toBe(1)
      expect(second.stderr).toContain(`De map ${dataDir} is in gebruik door proces ${first.child.pid}`)
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)

      // With the server running: the account is made by that server, the link carries its port
      // (not the PORT this shell happens to have), and it works on that server at once.
      const whileRunning = await runScript('scripts/user-create.ts', ['--email', 'eerste.beheerder@voorbeeld.nl', '--role', 'admin'], { DATA_DIR: dataDir, PORT: '1' })
      expect(whileRunning.code, whileRunning.stderr).toBe(0)
      const runningLink = /http:\/\/localhost:(\d+)\/uitnodiging\/\S+/.exec(whileRunning.stdout)
      expect(runningLink?.[1]).toBe(String(port))
      const invitation = await (await fetch(runningLink![0].replace('localhost', '127.0.0.1'))).text()
      expect(invitation).toContain('Welkom bij de handreiking')
      expect(invitation).not.toContain('niet meer geldig')

      process.kill(first.child.pid!, 'SIGTERM')
      expect((await first.exit).code).toBe(0)

      // With the server stopped: the script opens the database itself; the link works once it runs again.
      const whileStopped = await runScript('scripts/user-create.ts', ['--email', 'tweede.beheerder@voorbeeld.nl', '--role', 'admin'], { DATA_DIR: dataDir, PORT: String(port) })
      expect(whileStopped.code, whileStopped.stderr).toBe(0)
      const stoppedLink = /http:\/\/localhost:(\d+)\/uitnodiging\/\S+/.exec(whileStopped.stdout)
      expect(stoppedLink?.[1]).toBe(String(port))

      first = start({ entry: 'server', port, dataDir })
      await first.ready
      for (const link of [runningLink![0], stoppedLink![0]]) {
        const page = await (await fetch(link.replace('localhost', '127.0.0.1'))).text()
        expect(page).toContain('Welkom bij de handreiking')
      }
      process.kill(first.child.pid!, 'SIGTERM')
      expect((await first.exit).code).toBe(0)
    },
    processTestTimeoutMs,
  )
  // A lock left by a server killed with -9 is stale and taken over: tests/collab-recovery.test.ts
  // restarts a server process on the folder of one it killed that way.
})
