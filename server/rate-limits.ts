import { createHmac } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { rateLimits } from '#server/db/schema'

export type Limit = { max: number; windowMs: number }

/**
 * Fixed-window counters in Postgres, so limits hold across restarts and
 * across several server processes.
 */
export async function isLimited(db: Database, key: string, limit: Limit, now = new Date()) {
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key))
  return Boolean(row && row.windowStart.getTime() > now.getTime() - limit.windowMs && row.count >= limit.max)
}

export async function recordHit(db: Database, key: string, limit: Limit, now = new Date()) {
  // ISO strings with a cast: postgres.js cannot bind Date objects inside raw SQL fragments.
  const windowOpen = sql`${new Date(now.getTime() - limit.windowMs).toISOString()}::timestamptz`
  const windowStart = sql`${now.toISOString()}::timestamptz`
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStart} <= ${windowOpen} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${rateLimits.windowStart} <= ${windowOpen} then ${windowStart} else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ count: rateLimits.count })
  return row.count
}

export async function clearHits(db: Database, key: string) {
  await db.delete(rateLimits).where(eq(rateLimits.key, key))
}

/** IP addresses are never stored: only a keyed hash, useless without the server's key. */
export function hashIdentifier(value: string, key: string) {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 32)
}
