import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { createApp } from '#server/app'
import type { DatabaseHandle } from '#server/db/client'
import { createImportedDatabase } from './database'

export type TestServer = { url: string; database: DatabaseHandle; close: () => Promise<void> }

/** The real built site (npm test builds it first) on a free port, over a fresh imported database. */
export async function startTestServer(): Promise<TestServer> {
  const database = await createImportedDatabase()
  const build = (await import(path.resolve('build/server/index.js'))) as ServerBuild
  const server = createServer(await createApp({ database, remix: { build } }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await database.close()
    },
  }
}
