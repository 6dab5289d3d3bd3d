import { sql } from 'drizzle-orm'
import type { DatabaseHandle } from '#server/db/client'
import { logger } from '#server/logger'

const channel = 'content_version'

/**
 * One version for everything readers can see. Database triggers bump the stored
 * counter on every visible change and NOTIFY every process (migrations/0006);
 * a change made through this process also bumps a local counter at once, before
 * its response is sent, so the very next request never sees the old page even
 * if the notification is still on its way.
 */
export class ContentVersion {
  private stored = 0
  private local = 0
  private readonly listeners = new Set<() => void>()

  private constructor(private readonly database: DatabaseHandle) {}

  static async start(database: DatabaseHandle) {
    const version = new ContentVersion(database)
    // Listen first, then read: no change can fall between the two.
    await database.listen(channel, (payload) => version.onNotify(payload))
    await version.refresh()
    return version
  }

  /** Changes whenever anything a reader can see may have changed. */
  get current() {
    return `${this.stored}.${this.local}`
  }

  /** A change was made through this process (a form was posted). */
  changed() {
    this.local += 1
    this.tell()
  }

  /** Calls `listener` after every change (for work that should not wait for a reader's request); returns the unsubscribe. */
  subscribe(listener: () => void) {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  private tell() {
    for (const listener of this.listeners) listener()
  }

  private onNotify(payload: string | null) {
    const notified = Number(payload)
    if (payload !== null && Number.isSafeInteger(notified)) {
      if (notified > this.stored) {
        this.stored = notified
        this.tell()
      }
      return
    }
    void this.refresh().catch((error) => logger.error({ err: error }, 'reading the content version failed'))
  }

  private async refresh() {
    const result = await this.database.db.execute<{ version: string }>(sql`select version from content_version where id = 1`)
    const rows = Array.isArray(result) ? result : (result as unknown as { rows: Array<{ version: string }> }).rows
    const stored = Number(rows[0]?.version ?? 0)
    if (stored <= this.stored) return
    this.stored = stored
    this.tell()
  }
}
