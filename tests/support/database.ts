import { randomBytes } from 'node:crypto'
import path from 'node:path'
import postgres from 'postgres'
import { openDatabase, type DatabaseHandle } from '#server/db/client'
import { importContentIfEmpty } from '#server/handbook/import-content'

export const contentDir = path.resolve(process.env.CONTENT_DIR ?? 'content')

/**
 * A fresh, migrated database for one test file: PGlite in memory, or — in the
 * 'postgres' project — a new database on TEST_DATABASE_URL that is dropped afterwards.
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const serverUrl = process.env.TEST_DB === 'postgres' ? process.env.TEST_DATABASE_URL : undefined
  if (!serverUrl) return openDatabase({ dataDir: 'memory://' })

  const name = `lh_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const handle = await openDatabase({ url: url.toString(), dataDir: '' })
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close()
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}

/** A fresh database holding the imported first edition. */
export async function createImportedDatabase() {
  const database = await createTestDatabase()
  await importContentIfEmpty(database.db, contentDir)
  return database
}
