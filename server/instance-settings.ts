import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { instanceSettings } from '#server/db/schema'

/** A random secret made on first start and shared by every process on this database. */
export async function instanceSecret(db: Database, name: string) {
  await db.insert(instanceSettings).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.name, name))
  return row.value
}
