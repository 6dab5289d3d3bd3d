// vitest globalSetup: the two databases test files start from — migrated, and migrated with the first
// edition imported — made once per run instead of once per test file. A PGlite copy loads in about a
// second where initdb, the migrations and the import take 5–15 s on a busy machine; a Postgres copy
// (`create database … template …`) takes a fraction of a second. tests/support/database.ts copies them.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { openDatabase, type DatabaseHandle } from '#server/db/client'
import { importContentIfEmpty } from '#server/handbook/import-content'

// Not in ./database (which the globalSetup cannot import: it uses vitest's inject).
export const contentDir = path.resolve(process.env.CONTENT_DIR ?? 'content')

export type DatabaseTemplates = {
  /** Files holding PGlite data folders (dumpDataDir tarballs). */
  pglite?: { migrated: string; imported: string }
  /** Database names on TEST_DATABASE_URL's server. */
  postgres?: { migrated: string; imported: string }
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: DatabaseTemplates
  }
}

export async function setup(project: TestProject) {
  const serverUrl = project.config.env.TEST_DB === 'postgres' ? process.env.TEST_DATABASE_URL : undefined
  if (serverUrl) {
    const { templates, remove } = await postgresTemplates(serverUrl)
    project.provide('databaseTemplates', { postgres: templates })
    return remove
  }
  // The pglite and browser projects share one pair of files, made by whichever asks first.
  const shared = ((globalThis as { lhPgliteTemplates?: SharedTemplates }).lhPgliteTemplates ??= { users: 0, made: pgliteTemplates() })
  shared.users++
  const { templates, remove } = await shared.made
  project.provide('databaseTemplates', { pglite: templates })
  return async () => {
    if (--shared.users === 0) await remove()
  }
}

type SharedTemplates = { users: number; made: ReturnType<typeof pgliteTemplates> }

async function pgliteTemplates() {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'lh-templates-'))
  const database = await openDatabase({ dataDir: 'memory://' })
  try {
    const dump = async (name: string) => {
      const file = path.join(folder, `${name}.tar`)
      const client = (database.db as unknown as { $client: PGlite }).$client
      await writeFile(file, Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer()))
      return file
    }
    const migrated = await dump('migrated')
    await importContentIfEmpty(database.db, contentDir)
    const imported = await dump('imported')
    return { templates: { migrated, imported }, remove: () => rm(folder, { recursive: true, force: true }) }
  } finally {
    await database.close()
  }
}

async function postgresTemplates(serverUrl: string) {
  const prefix = `lh_template_${randomBytes(4).toString('hex')}`
  const templates = { migrated: `${prefix}_migrated`, imported: `${prefix}_imported` }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  const urlOf = (name: string) => Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString()
  const fill = async (name: string, work: (database: DatabaseHandle) => Promise<unknown>) => {
    const database = await openDatabase({ url: urlOf(name), dataDir: '' })
    try {
      await work(database)
    } finally {
      // A template must have no connections when it is copied.
      await database.close()
    }
  }
  try {
    await admin.unsafe(`create database ${templates.migrated}`)
    await fill(templates.migrated, async () => {})
    await admin.unsafe(`create database ${templates.imported} template ${templates.migrated}`)
    await fill(templates.imported, (database) => importContentIfEmpty(database.db, contentDir))
  } catch (error) {
    await admin.end()
    throw error
  }
  return {
    templates,
    remove: async () => {
      for (const name of Object.values(templates)) await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
