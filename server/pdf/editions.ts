import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm'
import { recordAudit } from '#server/audit'
import type { SessionUser } from '#server/auth/sessions'
import type { ContentVersion } from '#server/content-version'
import { withAdvisoryLock, type Database } from '#server/db/client'
import { contributions, editionSections, editions, examples, pdfFiles, renderedPdfs, revisions, sections } from '#server/db/schema'
import { creditLine, liveCredits, storeEditionChanges, type EditionCredits } from '#server/handbook/edition-changes'
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
export async function currentEditionInput(db: Database, contributeUrl: string): Promise<{ input: PdfInput; revisionIds: Map<number, number>; credits: EditionCredits }> {
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
    .select({ kind: contributions.kind, body: contributions.body, name: contributions.name, organisation: contributions.organisation, showName: contributions.showName, sectionId: sections.id, sectionSlug: sections.slug, number: sections.number, title: sections.title, position: sections.position })
    .from(contributions)
    .innerJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.status, 'approved'), ne(contributions.kind, 'suggestion')))
    .orderBy(asc(sections.position), asc(contributions.createdAt))
  const latest = rows.reduce((max, row) => Math.max(max, row.createdAt.getTime()), 0)
  const credits = await liveCredits(db)
  return {
    revisionIds: new Map(rows.map((row) => [row.sectionId, row.revisionId])),
    credits,
    input: {
      credits: creditsSentence(credits),
      editionLabel: 'Huidige editie',
      date: new Date(latest),
      note: 'De laatst gepubliceerde tekst van elke paragraaf.',
      contributeUrl,
      colophon: colophonRevision?.document ?? { type: 'doc', content: [] },
      sections: toc.map((entry) => ({ slug: entry.slug, number: entry.number, title: bySection.get(entry.id)?.title ?? entry.title, depth: depthOf.get(entry.id) ?? 1, document: bySection.get(entry.id)?.document ?? { type: 'doc' }, changedAt: bySection.get(entry.id)?.createdAt ?? new Date(0) })),
      examples: exampleRows.map((row) => ({ name: row.name, place: row.place, region: row.region, summary: row.summary, quote: row.quote, quoteBy: row.quoteBy, website: row.website, story: row.story, handbookSlug: row.handbookSlug })),
      tips: tipRows.map((row) => ({
        kind: row.kind === 'lesson' ? 'lesson' : 'tip',
        body: row.body,
        signedBy: row.showName ? [row.name, row.organisation].filter(Boolean).join(', ') : '',
        sectionSlug: row.sectionSlug,
        sectionLabel: row.number ? `${row.number} ${row.title}` : row.title,
      })),
    },
  }
}

/**
 * One top-level chapter of an edition, with its sub-sections and their tips, or
 * null when `slug` is not a chapter. The examples part belongs to the whole book.
 */
export function chapterInput(input: PdfInput, slug: string): PdfInput | null {
  const start = input.sections.findIndex((section) => section.slug === slug && section.depth === 1)
  if (start < 0) return null
  const end = input.sections.findIndex((section, index) => index > start && section.depth === 1)
  const sections = input.sections.slice(start, end < 0 ? undefined : end)
  const slugs = new Set(sections.map((section) => section.slug))
  const chapter = sections[0]
  return {
    ...input,
    // Dated by its own last change: a publish elsewhere leaves this chapter's PDF as it is.
    date: new Date(Math.max(...sections.map((section) => section.changedAt.getTime()))),
    chapter: chapter.number ? `Hoofdstuk ${chapter.number}: ${chapter.title}` : chapter.title,
    sections,
    examples: [],
    tips: input.tips.filter((tip) => slugs.has(tip.sectionSlug)),
    // The credits belong to the edition as a whole (its own PDF and colophon); naming everyone here
    // would also make every chapter's PDF change with any contribution anywhere.
    credits: undefined,
  }
}

/** The colophon's line of credits, '' when there is nobody to name or count. */
export function creditsSentence(credits: EditionCredits) {
  const line = creditLine(credits)
  return line ? `Aan deze editie werkten mee: ${line}. Bezoekers noemen we alleen met hun toestemming.` : ''
}

function hashOf(bytes: Buffer | string) {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A render of the current text: `key` hashes its input, `version` is the content version it was last checked at. */
type Render = { key: string; version: string; file: Promise<PdfFile>; facts?: PdfFacts }

/**
 * The PDFs of the handbook. The current edition and each chapter are rendered
 * again only when their input changed (a publish, an approved tip); a burst of
 * downloads while one renders shares that render. Frozen editions are read from
 * storage, unchanged.
 */

export class PdfService {
  private current: Render | null = null
  /** The last render of each chapter's PDF, by chapter slug. */
  private readonly chapters = new Map<string, Render>()
  /** The current edition's input, read once per content version for all chapters, and each chapter's input with its key, made once per version. */
  private chapterSource: { version: string; input: Promise<PdfInput>; chapters: Map<string, { input: PdfInput; key: string }> } | null = null
  /** A page was made without the facts (not yet known for the current text): once they are, the content version moves on. */
  private factsWithheld = false
  /** The same for the chapters, by slug: only a chapter whose page went out without its facts moves the version on when they become known. */
  private readonly chapterFactsWithheld = new Set<string>()
  private refreshTimer: NodeJS.Timeout | null = null
  private refreshing: Promise<unknown> = Promise.resolve()
  /** Renders so far, of any PDF, and of chapters alone (the whole book also renders in the background after a change). */
  renders = 0
  chapterRenders = 0

  constructor(
    private readonly db: Database,
    private readonly contentVersion: ContentVersion,
    /** Several processes on one Postgres: one renders (advisory lock), the others read its bytes. */
    private readonly options: { acrossProcesses: boolean } = { acrossProcesses: false },
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
      if (this.current.facts) this.wholeFactsKnown(this.current)
    } else {
      const file = this.renderOnce(key, input)
      const current: Render = { key, version, file }
      this.current = current
      file.then(
        (done) => {
          current.facts = { bytes: done.bytes.length, pages: countPdfPages(done.bytes) }
          if (this.current === current) this.wholeFactsKnown(current)
        },
        () => {
          if (this.current === current) this.current = null
        },
      )
    }
    return this.current
  }

  /** The PDF of one top-level chapter of the current edition; null when `slug` is not a chapter. */
  async chapterPdf(slug: string, contributeUrl: string): Promise<PdfFile | null> {
    const render = await this.chapterRender(slug, contributeUrl, true)
    return render ? render.file : null
  }

  /**
   * Size and page count of a chapter's PDF for its download link, when a render
   * of the chapter as it reads now has finished. Never starts a render: a
   * reader's page does not wait for, or pay for, a PDF nobody asked for.
   */
  async chapterFacts(slug: string, contributeUrl: string): Promise<PdfFacts | null> {
    const render = await this.chapterRender(slug, contributeUrl, false)
    if (render?.facts) return render.facts
    this.chapterFactsWithheld.add(slug)
    return null
  }

  private async chapterRender(slug: string, contributeUrl: string, start: boolean): Promise<Render | null> {
    const version = this.contentVersion.current
    const cached = this.chapters.get(slug)
    if (cached?.version === version) return cached
    const chapter = await this.chapterOf(slug, version, contributeUrl)
    if (!chapter) return null
    const latest = this.chapters.get(slug)
    if (latest?.key === chapter.key) {
      latest.version = version
      return latest
    }
    if (!start) return null
    this.chapterRenders += 1
    const render: Render = { key: chapter.key, version, file: this.render(chapter.input) }
    this.chapters.set(slug, render)
    render.file.then(
      (done) => {
        render.facts = { bytes: done.bytes.length, pages: countPdfPages(done.bytes) }
        // The chapter's page can now say the file's size and page count: a page stored without them must not hide them.
        if (this.chapterFactsWithheld.delete(slug)) this.factsKnown(render)
      },
      () => this.chapters.get(slug) === render && this.chapters.delete(slug),
    )
    return render
  }

  /** A chapter's input and its key (the hash of that input), made once per content version; null when `slug` is not a chapter. */
  private async chapterOf(slug: string, version: string, contributeUrl: string) {
    if (this.chapterSource?.version !== version) {
      const source = { version, input: currentEditionInput(this.db, contributeUrl).then((current) => current.input), chapters: new Map() }
      this.chapterSource = source
      source.input.catch(() => this.chapterSource === source && (this.chapterSource = null))
    }
    const source = this.chapterSource
    const known = source.chapters.get(slug)
    if (known) return known
    const input = chapterInput(await source.input, slug)
    if (!input) return null
    const chapter = { input, key: hashOf(JSON.stringify(input)) }
    source.chapters.set(slug, chapter)
    return chapter
  }

  private wholeFactsKnown(current: Render) {
    if (!this.factsWithheld) return
    this.factsWithheld = false
    this.factsKnown(current)
  }

  /** Pages made while a render's facts were not known showed its link without them: moving the content version on makes them again. */
  private factsKnown(render: Render) {
    const upToDate = render.version === this.contentVersion.current
    this.contentVersion.changed()
    if (upToDate) render.version = this.contentVersion.current
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
      const { input, revisionIds, credits } = await currentEditionInput(tx, contributeUrl)
      const [{ next }] = await tx.select({ next: sql<number>`coalesce(max(${editions.number}), 0) + 1` }).from(editions)
      const number = Number(next)
      const bytes = await this.render({ ...input, editionLabel: `Editie ${number}`, date: new Date(), note }).then((file) => file.bytes)
      const hash = hashOf(bytes)
      await tx.insert(pdfFiles).values({ hash, bytes }).onConflictDoNothing()
      const [edition] = await tx.insert(editions).values({ number, note, pdfHash: hash, createdBy: editor.id }).returning()
      // Each section's place is kept with the edition: a later one may have moved it.
      const placements = new Map((await tx.select({ id: sections.id, number: sections.number, parentId: sections.parentId }).from(sections)).map((row) => [row.id, row]))
      await tx.insert(editionSections).values(
        [...revisionIds].map(([sectionId, revisionId]) => ({ editionId: edition.id, sectionId, revisionId, number: placements.get(sectionId)?.number ?? '', parentId: placements.get(sectionId)?.parentId ?? null })),
      )
      // What changed since the edition before is compared once, now, and kept with the colophon's credits.
      await storeEditionChanges(tx, edition.id, credits)
      await recordAudit(tx, { actorId: editor.id, action: 'edition.frozen', details: { number, hash } })
      return edition
    })
  }

  /**
   * The current edition rendered once, whichever process asks first: the bytes are stored by the
   * hash of their input, so a second process (or this one after a restart) reads them instead.
   * On PGlite (one process) no lock is needed, and a long transaction would hold up every query.
   */
  private async renderOnce(key: string, input: PdfInput): Promise<PdfFile> {
    const stored = async (db: Database) => {
      const [row] = await db.select({ bytes: renderedPdfs.bytes }).from(renderedPdfs).where(eq(renderedPdfs.inputHash, key))
      return row ? { hash: hashOf(Buffer.from(row.bytes)), bytes: Buffer.from(row.bytes) } : null
    }
    const renderAndStore = async (db: Database) => {
      const file = await this.render(input)
      await db.transaction(async (tx) => {
        await tx.delete(renderedPdfs).where(ne(renderedPdfs.inputHash, key))
        await tx.insert(renderedPdfs).values({ inputHash: key, bytes: file.bytes }).onConflictDoNothing()
      })
      return file
    }
    const already = await stored(this.db)
    if (already) return already
    if (!this.options.acrossProcesses) return renderAndStore(this.db)
    return withAdvisoryLock(this.db, 7_100_003, async (tx) => (await stored(tx)) ?? renderAndStore(tx))
  }

  private async render(input: PdfInput): Promise<PdfFile> {
    this.renders += 1
    const started = performance.now()
    const bytes = await renderInWorker(input)
    logger.info({ ms: Math.round(performance.now() - started), bytes: bytes.length, edition: input.editionLabel }, 'handbook PDF rendered')
    return { hash: hashOf(bytes), bytes }
  }
}

// Compiled (`npm start`), the worker is build/pdf-worker.js beside build/server-entry.js
// (scripts/build-if-needed.js); from source (dev, tests) it is the TypeScript file, loaded through tsx.
const fromSource = import.meta.url.endsWith('.ts')
const sourceWorker = JSON.stringify(new URL('./render-worker.ts', import.meta.url).href)

/** Renders in a worker thread that exits afterwards, so what the render loads and allocates does not stay in this process. */
function renderInWorker(input: PdfInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${sourceWorker}, ${sourceWorker}))`, { eval: true, workerData: input })
      : new Worker(new URL('./pdf-worker.js', import.meta.url), { workerData: input })
    worker.once('message', (bytes: Uint8Array) => resolve(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
    worker.once('error', reject)
    // After the message this changes nothing; without one the render failed.
    worker.once('exit', (code) => reject(new Error(`the PDF worker exited (${code}) without a PDF`)))
  })
}

export async function listEditions(db: Database) {
  return db
    .select({ number: editions.number, note: editions.note, createdAt: editions.createdAt, hash: editions.pdfHash, bytes: sql<number>`octet_length(${pdfFiles.bytes})`.mapWith(Number) })
    .from(editions)
    .innerJoin(pdfFiles, eq(pdfFiles.hash, editions.pdfHash))
    .orderBy(desc(editions.number))
}
