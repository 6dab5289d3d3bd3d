import { createHash } from 'node:crypto'
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm'
import { recordAudit } from '#server/audit'
import type { SessionUser } from '#server/auth/sessions'
import type { ContentVersion } from '#server/content-version'
import { withAdvisoryLock, type Database } from '#server/db/client'
import { contributions, editionSections, editions, examples, pdfFiles, revisions, sections } from '#server/db/schema'
import { flattenTableOfContents, getPage, getTableOfContents } from '#server/handbook/sections'
import { logger } from '#server/logger'
import type { PdfInput } from './handbook-pdf'

export type PdfFile = { hash: string; bytes: Buffer }

/** What a download link says about its file: "pdf, 171 kB, 32 pagina's". */
export type PdfFacts = { bytes: number; pages: number }

/** pdfkit writes every page as a plain `/Type /Page` object (no object streams), so counting them is exact. */
export function countPdfPages(bytes: Buffer) {
  return bytes.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0
}

/** What the current edition consists of: the latest published revision of every section, examples and approved tips. */
export async function currentEditionInput(db: Database, contributeUrl: string): Promise<{ input: PdfInput; revisionIds: Map<number, number> }> {
  const toc = flattenTableOfContents(await getTableOfContents(db))
  const depthOf = new Map<number, number>()
  const parents = await db.select({ id: sections.id, parentId: sections.parentId }).from(sections)
  const parentOf = new Map(parents.map((row) => [row.id, row.parentId]))
  for (const entry of toc) {
    let depth = 1
    for (let parent = parentOf.get(entry.id); parent; parent = parentOf.get(parent)) depth++
    depthOf.set(entry.id, depth)
  }
  const rows = await db
    .select({ sectionId: sections.id, revisionId: revisions.id, document: revisions.document, title: revisions.title, createdAt: revisions.createdAt })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
  const bySection = new Map(rows.map((row) => [row.sectionId, row]))
  const colophon = await getPage(db, 'colofon')
  const [colophonRevision] = colophon ? await db.select({ document: revisions.document }).from(revisions).where(eq(revisions.id, colophon.revisionId)) : []
  const exampleRows = await db.select().from(examples).where(eq(examples.status, 'published')).orderBy(asc(examples.name))
  const tipRows = await db
    .select({ kind: contributions.kind, body: contributions.body, name: contributions.name, organisation: contributions.organisation, showName: contributions.showName, sectionId: sections.id, number: sections.number, title: sections.title, position: sections.position })
    .from(contributions)
    .innerJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.status, 'approved'), ne(contributions.kind, 'suggestion')))
    .orderBy(asc(sections.position), asc(contributions.createdAt))
  const latest = rows.reduce((max, row) => Math.max(max, row.createdAt.getTime()), 0)
  return {
    revisionIds: new Map(rows.map((row) => [row.sectionId, row.revisionId])),
    input: {
      editionLabel: 'Huidige editie',
      date: new Date(latest),
      note: 'De laatst gepubliceerde tekst van elke paragraaf.',
      contributeUrl,
      colophon: colophonRevision?.document ?? { type: 'doc', content: [] },
      sections: toc.map((entry) => ({ slug: entry.slug, number: entry.number, title: bySection.get(entry.id)?.title ?? entry.title, depth: depthOf.get(entry.id) ?? 1, document: bySection.get(entry.id)?.document ?? { type: 'doc' } })),
      examples: exampleRows.map((row) => ({ name: row.name, place: row.place, region: row.region, summary: row.summary, quote: row.quote, quoteBy: row.quoteBy, website: row.website, story: row.story })),
      tips: tipRows.map((row) => ({
        kind: row.kind === 'lesson' ? 'lesson' : 'tip',
        body: row.body,
        signedBy: row.showName ? [row.name, row.organisation].filter(Boolean).join(', ') : '',
        sectionLabel: row.number ? `${row.number} ${row.title}` : row.title,
      })),
    },
  }
}

function hashOf(bytes: Buffer | string) {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * The PDFs of the handbook. The current edition is rendered again only when
 * its input changed (a publish, an approved tip); a burst of downloads while it
 * renders shares one render. Frozen editions are read from storage, unchanged.
 */
export class PdfService {
  private current: { key: string; version: string; file: Promise<PdfFile>; facts?: PdfFacts } | null = null
  /** A page was made without the facts (not yet known for the current text): once they are, the content version moves on. */
  private factsWithheld = false
  private refreshTimer: NodeJS.Timeout | null = null
  private refreshing: Promise<unknown> = Promise.resolve()
  renders = 0

  constructor(
    private readonly db: Database,
    private readonly contentVersion: ContentVersion,
  ) {}

  async currentEdition(contributeUrl: string): Promise<PdfFile> {
    return this.currentRender(contributeUrl).then((current) => current.file)
  }

  /**
   * Size and page count of the current edition's PDF, for its download link: only
   * those of a finished render of the current text. A reader's request never waits
   * for, nor starts, a render (refreshSoon does, after a change); until the facts
   * are known the link goes without them.
   */
  currentEditionFacts(): PdfFacts | null {
    const current = this.current
    if (current?.facts && current.version === this.contentVersion.current) return current.facts
    this.factsWithheld = true
    return null
  }

  /** After a change readers can see: renders the current edition in the background if its text changed (a burst of changes renders once). */
  refreshSoon(contributeUrl: string) {
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      this.refreshing = this.refreshing
        .then(() => this.currentEdition(contributeUrl))
        .catch((error) => logger.error({ err: error }, 'rendering the current edition after a change failed'))
    }, 1000)
    this.refreshTimer.unref()
  }

  /** Waits for a background render (for shutting down). */
  async settled() {
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    await this.refreshing
  }

  private async currentRender(contributeUrl: string) {
    // Nothing a reader can see changed: the render in memory is still the edition.
    const version = this.contentVersion.current
    if (this.current?.version === version) return this.current
    const { input } = await currentEditionInput(this.db, contributeUrl)
    const key = hashOf(JSON.stringify(input))
    if (this.current?.key === key) {
      this.current.version = version
      if (this.current.facts) this.factsKnown(this.current)
    } else {
      const file = this.render(input)
      const current: NonNullable<PdfService['current']> = { key, version, file }
      this.current = current
      file.then(
        (done) => {
          current.facts = { bytes: done.bytes.length, pages: countPdfPages(done.bytes) }
          if (this.current === current) this.factsKnown(current)
        },
        () => {
          if (this.current === current) this.current = null
        },
      )
    }
    return this.current
  }

  /** Pages made while the facts were not known showed the link without them: moving the content version on makes them again. */
  private factsKnown(current: NonNullable<PdfService['current']>) {
    if (!this.factsWithheld) return
    this.factsWithheld = false
    const upToDate = current.version === this.contentVersion.current
    this.contentVersion.changed()
    if (upToDate) current.version = this.contentVersion.current
  }

  async editionPdf(number: number): Promise<(PdfFile & { number: number }) | null> {
    const [row] = await this.db
      .select({ number: editions.number, hash: pdfFiles.hash, bytes: pdfFiles.bytes })
      .from(editions)
      .innerJoin(pdfFiles, eq(pdfFiles.hash, editions.pdfHash))
      .where(eq(editions.number, number))
    return row ? { number: row.number, hash: row.hash, bytes: Buffer.from(row.bytes) } : null
  }

  /** "Editie vastleggen": numbers the current published revisions and stores their PDF for good. */
  async freezeEdition(editor: SessionUser, note: string, contributeUrl: string) {
    return withAdvisoryLock(this.db, 7_100_002, async (tx) => {
      const { input, revisionIds } = await currentEditionInput(tx, contributeUrl)
      const [{ next }] = await tx.select({ next: sql<number>`coalesce(max(${editions.number}), 0) + 1` }).from(editions)
      const number = Number(next)
      const bytes = await this.render({ ...input, editionLabel: `Editie ${number}`, date: new Date(), note }).then((file) => file.bytes)
      const hash = hashOf(bytes)
      await tx.insert(pdfFiles).values({ hash, bytes }).onConflictDoNothing()
      const [edition] = await tx.insert(editions).values({ number, note, pdfHash: hash, createdBy: editor.id }).returning()
      await tx.insert(editionSections).values([...revisionIds].map(([sectionId, revisionId]) => ({ editionId: edition.id, sectionId, revisionId })))
      await recordAudit(tx, { actorId: editor.id, action: 'edition.frozen', details: { number, hash } })
      return edition
    })
  }

  private async render(input: PdfInput): Promise<PdfFile> {
    this.renders += 1
    const started = performance.now()
    // pdfkit, the fonts and the hyphenation patterns cost ~35 MB: loaded on the first render, not at start.
    const { renderHandbookPdf } = await import('./handbook-pdf')
    const bytes = await renderHandbookPdf(input)
    logger.info({ ms: Math.round(performance.now() - started), bytes: bytes.length, edition: input.editionLabel }, 'handbook PDF rendered')
    return { hash: hashOf(bytes), bytes }
  }
}

export async function listEditions(db: Database) {
  return db
    .select({ number: editions.number, note: editions.note, createdAt: editions.createdAt, hash: editions.pdfHash, bytes: sql<number>`octet_length(${pdfFiles.bytes})`.mapWith(Number) })
    .from(editions)
    .innerJoin(pdfFiles, eq(pdfFiles.hash, editions.pdfHash))
    .orderBy(desc(editions.number))
}
