import path from 'node:path'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { sql } from 'drizzle-orm'
import type { PgColumn, PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { lockDataDir } from './data-dir-lock'
import * as schema from './schema'

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>

export type DatabaseHandle = {
  db: Database
  mode: 'embedded' | 'postgres'
  /** Resolves when the database answers a trivial query. */
  ping: () => Promise<void>
  /**
   * Calls `onNotify` for every NOTIFY on `channel` (from any process), and with null after a
   * reconnection, when notifications may have been missed. Resolves once listening.
   */
  listen: (channel: string, onNotify: (payload: string | null) => void) => Promise<void>
  close: () => Promise<void>
}

// From the project root, like build/: this module also runs compiled into build/server-entry.js.
const migrationsFolder = path.resolve('migrations')

/**
 * One code path, two engines: a real Postgres when a URL is given, otherwise
 * PGlite (Postgres compiled to WebAssembly) in `dataDir` — or in memory when
 * `dataDir` is 'memory://', which the tests use. Migrations always run first.
 * `template` (PGlite only): a data folder dumped by PGlite's dumpDataDir that a new
 * folder starts from instead of an empty one — the tests' migrated, imported copy.
 */
export async function openDatabase(options: { url?: string; dataDir: string; template?: Blob }): Promise<DatabaseHandle> {
  const handle = options.url ? await openPostgres(options.url) : await openEmbedded(options.dataDir, options.template)
  try {
    await handle.migrate()
  } catch (error) {
    await handle.close().catch(() => {})
    throw error
  }
  return handle
}

async function openPostgres(url: string) {
  const { default: postgres } = await import('postgres')
  const { drizzle } = await import('drizzle-orm/postgres-js')
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  const client = postgres(url, { max: 10, onnotice: () => {} })
  const db = drizzle({ client, schema })
  return {
    db: db as unknown as Database,
    mode: 'postgres' as const,
    ping: async () => void (await client`select 1`),
    listen: async (channel: string, onNotify: (payload: string | null) => void) => {
      let listening = false
      await client.listen(channel, onNotify, () => {
        if (listening) onNotify(null)
        listening = true
      })
    },
    close: () => client.end({ timeout: 5 }),
    // Several processes starting at once on one Postgres: one migrates, the others wait and find it done.
    migrate: async () => {
      const lock = await client.reserve()
      try {
        await lock`select pg_advisory_lock(7100005)`
        await migrate(db, { migrationsFolder })
      } finally {
        await lock`select pg_advisory_unlock(7100005)`.catch(() => {})
        lock.release()
      }
      // Connections are opened on demand: the first few requests together (a member's first join asks for
      // the session and the document at once) would each wait for one. Opened now, before anyone asks.
      await Promise.all(Array.from({ length: 4 }, () => client`select 1`))
    },
  }
}

async function openEmbedded(dataDir: string, template?: Blob) {
  const { PGlite } = await import('@electric-sql/pglite')
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent')
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate } = await import('drizzle-orm/pglite/migrator')
  const inMemory = dataDir === 'memory://'
  const folder = inMemory ? undefined : path.join(dataDir, 'pglite')
  if (!inMemory) await mkdir(dataDir, { recursive: true })
  // One process per data folder: PGlite has no locking of its own, and two writers corrupt it.
  const unlock = inMemory ? () => {} : lockDataDir(dataDir)
  let client: InstanceType<typeof PGlite>
  try {
    client = await PGlite.create(folder, {
      extensions: { unaccent, pg_trgm },
      // PGlite refuses a template over an existing database: it only fills a new folder.
      loadDataDir: template && !(folder && existsSync(path.join(folder, 'PG_VERSION'))) ? template : undefined,
      // Postgres' default 128 MB of shared buffers lives in the process's own memory here; the
      // handbook's whole database is a few MB, so 16 MB keeps it cached at ~160 MB less RSS.
      startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
    })
  } catch (error) {
    unlock()
    throw error
  }
  const db = drizzle({ client, schema })
  return {
    db: db as unknown as Database,
    mode: 'embedded' as const,
    ping: async () => {
      if (client.closed) throw new Error('database closed')
      await client.query('select 1')
    },
    listen: async (channel: string, onNotify: (payload: string | null) => void) => void (await client.listen(channel, onNotify)),
    close: async () => {
      try {
        if (!client.closed) await client.close()
      } finally {
        unlock()
      }
    },
    migrate: () => migrate(db, { migrationsFolder }),
  }
}

/** Serialises work across processes sharing one Postgres (e.g. two servers importing at once). */
export async function withAdvisoryLock<T>(db: Database, key: number, work: (tx: Database) => Promise<T>) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${key})`)
    return work(tx as unknown as Database)
  })
}

/**
 * `column = any($1)`: one statement however many values. An `in ($1, …, $n)` is a new statement for
 * each n, which the driver prepares anew on each connection (one round trip more); the lookups on the
 * collab path (sessions, stored documents, published texts), whose counts change with every wave of joins, use this.
 */
export function anyOf(column: PgColumn, values: string[]) {
  return sql`${column} = any(${sql.param(values)}::text[])`
}
