import type { ContentVersion } from '#server/content-version'
import { approvedForSection, recentApproved } from '#server/contributions/contributions'
import { waitingCount } from '#server/contributions/moderation'
import type { Database } from '#server/db/client'
import { examplesForSection, listExamples } from '#server/examples/examples'
import { changedSinceEdition } from '#server/handbook/edition-changes'
import { getPage, getSectionForReading, getTableOfContents } from '#server/handbook/sections'

/**
 * What the reading pages show, read from the database once per content version
 * (server/content-version.ts): signed-in members' pages are rendered per request,
 * but their published part — a section's text with its heading anchors, the table
 * of contents, tips, examples — is the same for everyone until something readers
 * can see changes. Made once in server/site.ts and handed in through the load context.
 */
export class PublishedContent {
  private version: string | null = null
  private readonly values = new Map<string, Promise<unknown>>()

  constructor(
    private readonly db: Database,
    private readonly contentVersion: ContentVersion,
  ) {}

  /** A section page's published part, or null for a slug that is not a section. */
  section(slug: string) {
    return this.once(`section ${slug}`, async () => {
      const reading = await getSectionForReading(this.db, slug)
      if (!reading) return null
      const [tips, examples, sinceEdition] = await Promise.all([
        approvedForSection(this.db, slug),
        examplesForSection(this.db, slug),
        changedSinceEdition(this.db, reading.section.id, reading.section.revisionId),
      ])
      return { ...reading, tips, examples, sinceEdition }
    })
  }

  /** The home page's table of contents, introduction, examples and latest tips. */
  home() {
    return this.once('home', async () => {
      const [tableOfContents, introduction, examples, tips] = await Promise.all([getTableOfContents(this.db), getPage(this.db, 'omslag'), listExamples(this.db), recentApproved(this.db, 5)])
      return { tableOfContents, introductionHtml: introduction?.html ?? '', examples, tips }
    })
  }

  /** Tips and examples waiting for an editor (the moderation badge): contributions and examples bump the version too. */
  waitingCount() {
    return this.once('waiting', () => waitingCount(this.db))
  }

  /**
   * The value of `load` for this key and content version. A load that fails, or
   * finds nothing (a mistyped slug), is not kept: unknown URLs cannot fill memory.
   */
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.contentVersion.current
    if (version !== this.version) {
      this.values.clear()
      this.version = version
    }
    const kept = this.values.get(key)
    if (kept) return kept as Promise<T>
    const value = load()
    this.values.set(key, value)
    const forget = () => {
      if (this.values.get(key) === value) this.values.delete(key)
    }
    value.then((result) => result ?? forget(), forget)
    return value
  }
}
