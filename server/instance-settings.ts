import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { instanceSettings } from '#server/db/schema'

// Secrets never change once made: read each one once per database handle.
const cache = new WeakMap<Database, Map<string, Promise<string>>>()

/** A random secret made on first start and shared by every process on this database. */
export function instanceSecret(db: Database, name: string) {
  const secrets = cache.get(db) ?? new Map<string, Promise<string>>()
  cache.set(db, secrets)
  let secret = secrets.get(name)
  if (!secret) {
    secret = readOrCreate(db, name)
    secrets.set(name, secret)
    secret.catch(() => secrets.delete(name))
  }
  return secret
}

async function readOrCreate(db: Database, name: string) {
  await db.insert(instanceSettings).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.name, name))
  return row.value
}
