import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import postgres from 'postgres'
import { inject } from 'vitest'
import { openDatabase, type DatabaseHandle } from '#server/db/client'
import { importContentIfEmpty } from '#server/handbook/import-content'
import { contentDir, type DatabaseTemplates } from './database-templates'

export { contentDir }

type Kind = 'migrated' | 'imported'

/**
 * A fresh, migrated database for one test file: PGlite in memory, or — in the
 * 'postgres' project — a new database on TEST_DATABASE_URL that is dropped afterwards.
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  return freshDatabase('migrated')
}

/** A fresh database holding the imported first edition. */
export async function createImportedDatabase() {
  return freshDatabase('imported')
}

/**
 * The embedded database in a test's own data folder, for a server process to open after it (close it
 * first: one process per folder). A new folder starts as the imported first edition — what the server's
 * first start would make of it; a folder that holds a database opens as it is.
 */
export async function openTestDataDir(dataDir: string) {
  return openDatabase({ dataDir, template: await pgliteTemplate('imported') })
}

/** Where tests/support/database-templates.ts put this run's templates; none when a file runs without that globalSetup. */
function templates(): DatabaseTemplates {
  try {
    return inject('databaseTemplates') ?? {}
  } catch {
    return {}
  }
}

/** The template file of this kind for PGlite, read once per test file. */
export function pgliteTemplateFile(kind: Kind = 'imported') {
  return templates().pglite?.[kind]
}

const loaded = new Map<Kind, Promise<Blob>>()
async function pgliteTemplate(kind: Kind) {
  const file = pgliteTemplateFile(kind)
  if (!file) return undefined
  if (!loaded.has(kind)) loaded.set(kind, readFile(file).then((bytes) => new Blob([new Uint8Array(bytes)])))
  return loaded.get(kind)
}

async function freshDatabase(kind: Kind): Promise<DatabaseHandle & { url?: string }> {
  const serverUrl = process.env.TEST_DB === 'postgres' ? process.env.TEST_DATABASE_URL : undefined
  if (!serverUrl) {
    const template = await pgliteTemplate(kind)
    const database = await openDatabase({ dataDir: 'memory://', template })
    if (kind === 'imported' && !template) await importContentIfEmpty(database.db, contentDir)
    return database
  }

  const template = templates().postgres?.[kind]
  const name = `lh_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const handle = await openDatabase({ url: url.toString(), dataDir: '' })
  if (kind === 'imported' && !template) await importContentIfEmpty(handle.db, contentDir)
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
