// vitest globalSetup: the two databases test files start from — migrated, and migrated with the first
// edition imported — made once (PGlite: once per change of the code, see pgliteTemplates; Postgres: once
// per run) instead of once per test file. A PGlite copy loads in about a
// second where initdb, the migrations and the import take 5–15 s on a busy machine; a Postgres copy
// (`create database … template …`) takes a fraction of a second. tests/support/database.ts copies them.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
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
  const shared = globalThis as { lhPgliteTemplates?: ReturnType<typeof pgliteTemplates> }
  project.provide('databaseTemplates', { pglite: await (shared.lhPgliteTemplates ??= pgliteTemplates()) })
}

/**
 * The PGlite pair, kept between runs in node_modules/.cache under a hash of everything their contents
 * follow from (migrations, content/, the server code, the installed packages): making them takes ~10 s
 * alone and minutes on a loaded machine, before any test can start.
 */
async function pgliteTemplates() {
  const cacheRoot = path.resolve('node_modules/.cache/lh-test-templates')
  const folder = path.join(cacheRoot, await sourceHash(['migrations', contentDir, 'server', 'package-lock.json']))
  const templates = { migrated: path.join(folder, 'migrated.tar'), imported: path.join(folder, 'imported.tar') }
  if (existsSync(templates.imported)) return templates
  await mkdir(cacheRoot, { recursive: true })
  const making = await mkdtemp(path.join(cacheRoot, 'making-'))
  const database = await openDatabase({ dataDir: 'memory://' })
  try {
    const dump = async (name: string) => {
      const client = (database.db as unknown as { $client: PGlite }).$client
      await writeFile(path.join(making, `${name}.tar`), Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer()))
    }
    await dump('migrated')
    await importContentIfEmpty(database.db, contentDir)
    await dump('imported')
  } finally {
    await database.close()
  }
  // Whole or not at all; a run that made the same pair meanwhile wins.
  await rename(making, folder).catch(() => rm(making, { recursive: true, force: true }))
  // Pairs for older code (85 MB each) go once no run can still be reading them.
  for (const name of await readdir(cacheRoot)) {
    const other = path.join(cacheRoot, name)
    if (other !== folder && Date.now() - (await stat(other)).mtimeMs > 3_600_000) await rm(other, { recursive: true, force: true })
  }
  return templates
}

async function sourceHash(roots: string[]) {
  const hash = createHash('sha256')
  const add = async (entry: string): Promise<void> => {
    if ((await stat(entry)).isDirectory()) {
      for (const name of (await readdir(entry)).sort()) await add(path.join(entry, name))
    } else {
      hash.update(entry).update(await readFile(entry))
    }
  }
  for (const root of roots) await add(root)
  return hash.digest('hex').slice(0, 16)
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
