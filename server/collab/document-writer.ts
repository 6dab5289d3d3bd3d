import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import type { Database } from '#server/db/client'
import { logger } from '#server/logger'
import { compactStored, storeWrite, type Contribution, type UpdateRow } from './persistence'

export type WriterTiming = {
  /** Longest time an update waits in memory before it is written. */
  writeWindowMs: number
  /** Stored rows of a document after which it is compacted into one state row. */
  compactAfterUpdates: number
  /** How often who-edited-what is written (and always on flush, unload and shutdown). */
  contributorsEveryMs: number
}

/**
 * The one write loop of a process, for every live document: each write window,
 * the updates every document received go out together — one merged row per
 * document in one multi-row insert — instead of a transaction per document.
 * Contributors are kept in memory and written far less often. A failed write
 * keeps everything, in order, and is sent again with growing pauses under the
 * same write keys (see storeWrite): nothing dropped, nothing stored twice.
 * Compaction runs beside it, one document at a time, never in a broadcast's way.
 */
export class DocumentWriter {
  /** Updates per document not yet in a write, in the order they were applied. */
  private pending = new Map<string, Uint8Array[]>()
  /** Updates a write has taken and is still merging into its rows. */
  private merging = new Map<string, Uint8Array[]>()
  /** Rows of a write that failed: sent again, unchanged and before anything newer, until one succeeds. */
  private unsent: UpdateRow[] = []
  /** document → user → last edit (ms since the epoch; a Date only when written), not yet written. */
  private contributors = new Map<string, Map<number, number>>()
  private contributorsDueAt: number
  /** Rows stored per document since its last compaction (this process's count). */
  private readonly stored = new Map<string, number>()
  private readonly toCompact = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private timerAt = 0
  private writing: Promise<void> = Promise.resolve()
  private compacting: Promise<unknown> = Promise.resolve()
  private failures = 0
  private sequence = 0
  /** Write keys are unique across processes and restarts. */
  private readonly keyPrefix = randomBytes(9).toString('base64url')
  private closed = false

  constructor(
    private readonly db: Database,
    private readonly timing: WriterTiming,
  ) {
    this.contributorsDueAt = Date.now() + timing.contributorsEveryMs
  }

  /** An update applied to a live document: stored within the write window. */
  add(document: string, update: Uint8Array, userId: number | null) {
    const updates = this.pending.get(document)
    if (updates) updates.push(update)
    else this.pending.set(document, [update])
    if (userId !== null) {
      let editors = this.contributors.get(document)
      if (!editors) this.contributors.set(document, (editors = new Map()))
      editors.set(userId, Date.now())
    }
    // While writes fail, the back-off's retry is already scheduled: new edits do not hurry it.
    if (this.failures === 0) this.schedule(this.timing.writeWindowMs)
  }

  /** Whether something of this document is not in the database yet. */
  unwritten(document: string) {
    return this.pending.has(document) || this.merging.has(document) || this.unsent.some((row) => row.document === document)
  }

  /** Writes everything waiting now, contributors included; resolves once that write ended (stored, or failed and kept). */
  flush() {
    return this.write(true)
  }

  /** Rows already stored when a document is loaded count towards its next compaction. */
  noteStored(document: string, rows: number) {
    this.stored.set(document, (this.stored.get(document) ?? 0) + rows)
  }

  /** Compacts a document that leaves memory, after this process's other compactions; throws if the database fails. */
  async compactOnUnload(document: string) {
    if ((this.stored.get(document) ?? 0) === 0) return
    await this.compact(document, true)
  }

  /** The document left memory. */
  forget(document: string) {
    this.stored.delete(document)
    this.toCompact.delete(document)
  }

  /** Final write (contributors included); nothing is scheduled afterwards. */
  async close() {
    await this.flush()
    await this.compacting.catch(() => {})
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(delayMs: number) {
    if (this.closed) return
    const at = Date.now() + delayMs
    if (this.timer && this.timerAt <= at) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = null
      void this.write(false)
    }, delayMs)
  }

  /** Writes run one after another; a write never rejects (a failure keeps its rows and reschedules). */
  private write(allContributors: boolean) {
    this.writing = this.writing.then(() => this.writeOnce(allContributors))
    return this.writing
  }

  private async writeOnce(allContributors: boolean) {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    // Messages that already arrived are handled (and broadcast) first: merging and storing wait behind them, not the other way round.
    await new Promise((resolve) => setImmediate(resolve))
    // Merging a second's updates of hundreds of documents takes milliseconds: it is done in slices, and
    // messages that arrive meanwhile are broadcast between them (they go into the next write).
    this.merging = this.pending
    this.pending = new Map()
    let sliceStarted = performance.now()
    for (const [document, updates] of this.merging) {
      this.unsent.push({ document, update: updates.length === 1 ? updates[0] : Y.mergeUpdates(updates), writeKey: `${this.keyPrefix}-${++this.sequence}` })
      this.merging.delete(document)
      if (performance.now() - sliceStarted < 2) continue
      await new Promise((resolve) => setImmediate(resolve))
      sliceStarted = performance.now()
    }
    const rows = this.unsent
    const contributorsDue = allContributors || Date.now() >= this.contributorsDueAt
    const contributions = contributorsDue ? this.takeContributors() : []
    if (rows.length === 0 && contributions.length === 0) return
    try {
      await storeWrite(this.db, rows, contributions)
    } catch (error) {
      // Everything stays: the rows (in this.unsent, first in line) and the contributors.
      for (const entry of contributions) this.recordContribution(entry)
      this.failures += 1
      const retryInMs = Math.min(30_000, this.timing.writeWindowMs * 2 ** this.failures)
      logger.error({ err: error, documents: new Set(rows.map((row) => row.document)).size, retryInMs }, 'writing live document updates failed')
      this.schedule(retryInMs)
      return
    }
    this.unsent = []
    this.failures = 0
    if (contributorsDue) this.contributorsDueAt = Date.now() + this.timing.contributorsEveryMs
    for (const row of rows) {
      const count = (this.stored.get(row.document) ?? 0) + 1
      this.stored.set(row.document, count)
      if (count >= this.timing.compactAfterUpdates) this.compactSoon(row.document)
    }
    if (this.pending.size > 0) this.schedule(this.timing.writeWindowMs)
    else if (this.contributors.size > 0) this.schedule(Math.max(0, this.contributorsDueAt - Date.now()))
  }

  private takeContributors(): Contribution[] {
    const taken = [...this.contributors].flatMap(([document, editors]) => [...editors].map(([userId, at]) => ({ document, userId, at: new Date(at) })))
    this.contributors = new Map()
    return taken
  }

  private recordContribution({ document, userId, at }: Contribution) {
    const editors = this.contributors.get(document) ?? new Map<number, number>()
    const known = editors.get(userId)
    if (known === undefined || known < at.getTime()) editors.set(userId, at.getTime())
    this.contributors.set(document, editors)
  }

  /** Queued behind other compactions; a failure is logged and tried again after the next write of the document. */
  private compactSoon(document: string) {
    if (this.toCompact.has(document)) return
    this.toCompact.add(document)
    void this.compact(document, false)
      .catch((error) => logger.error({ err: error, document }, 'compacting a live document failed'))
      .finally(() => this.toCompact.delete(document))
  }

  private compact(document: string, collectGarbage: boolean) {
    const run = this.compacting.catch(() => {}).then(async () => {
      const counted = this.stored.get(document) ?? 0
      const outcome = await compactStored(this.db, document, { collectGarbage })
      // Busy (another process holds the lock): the count stays, so the next write or unload tries again.
      const now = this.stored.get(document)
      if (outcome !== 'busy' && now !== undefined) this.stored.set(document, Math.max(0, now - counted))
      return outcome
    })
    this.compacting = run
    return run
  }
}
