import { and, asc, desc, eq, gt, inArray, isNotNull, lte, sql, type SQL } from 'drizzle-orm'
import type { ContentVersion } from '#server/content-version'
import type { Database } from '#server/db/client'
import { contributions, editionChanges, editionSections, editions, examples, revisions, sections, users, type ContributionKind } from '#server/db/schema'
import { compareTexts, type ComparisonBounds, type TextComparison } from './text-diff'

/** One section that differs between two editions (or the latest edition and the live text). */
export type SectionChange = {
  sectionId: number
  slug: string
  number: string
  title: string
  status: 'new' | 'changed' | 'removed'
  /** Its number before, when it now sits elsewhere in the book. */
  movedFrom: string | null
  previousTitle: string | null
  fromRevisionId: number | null
  toRevisionId: number | null
  /** The word diff of the text; null for a new or removed section. */
  diff: TextComparison | null
}

/**
 * Whom a colophon names (with their consent) and how many visitors it only counts. An
 * edition's colophon credits everyone whose work is in it, since the first edition; a
 * change page credits those of its changes.
 */
export type EditionCredits = { names: string[]; visitors: number }

/**
 * Stored diffs are made once, when an edition is frozen (or first asked for), not
 * per request: they may take longer than a visitor's history comparison.
 */
export const storedDiffBounds: ComparisonBounds = { maxCharacters: 200_000, timeoutMs: 1_000 }

type Placement = { revisionId: number; number: string; parentId: number | null }
type Snapshot = Map<number, Placement>

/** When an edition was frozen, and the one before it; null for a number that is no edition. */
async function editionWindow(db: Database, number: number) {
  const rows = await db
    .select({ id: editions.id, number: editions.number, createdAt: editions.createdAt })
    .from(editions)
    .where(and(lte(editions.number, number), gt(editions.number, number - 2)))
    .orderBy(desc(editions.number))
  const [edition, previous] = rows
  if (!edition || edition.number !== number) return null
  return { edition, previous: previous ?? null }
}

async function editionSnapshot(db: Database, editionId: number): Promise<Snapshot> {
  const rows = await db
    .select({ sectionId: editionSections.sectionId, revisionId: editionSections.revisionId, number: editionSections.number, parentId: editionSections.parentId })
    .from(editionSections)
    .innerJoin(sections, eq(sections.id, editionSections.sectionId))
    .where(and(eq(editionSections.editionId, editionId), eq(sections.kind, 'section')))
  return new Map(rows.map(({ sectionId, ...placement }) => [sectionId, placement]))
}

async function liveSnapshot(db: Database): Promise<Snapshot> {
  const rows = await db
    .select({ sectionId: sections.id, revisionId: sections.currentRevisionId, number: sections.number, parentId: sections.parentId })
    .from(sections)
    .where(and(eq(sections.kind, 'section'), isNotNull(sections.currentRevisionId)))
  return new Map(rows.map(({ sectionId, revisionId, ...placement }) => [sectionId, { revisionId: revisionId!, ...placement }]))
}

/** Every section that is new, changed, moved or gone between two snapshots, in reading order. */
async function compareSnapshots(db: Database, before: Snapshot, after: Snapshot, bounds?: ComparisonBounds): Promise<SectionChange[]> {
  const ids = [...new Set([...before.keys(), ...after.keys()])]
  const differing = ids.filter((id) => {
    const [from, to] = [before.get(id), after.get(id)]
    return !from || !to || from.revisionId !== to.revisionId || from.number !== to.number || from.parentId !== to.parentId
  })
  if (differing.length === 0) return []
  const revisionIds = differing.flatMap((id) => [before.get(id)?.revisionId, after.get(id)?.revisionId]).filter((id): id is number => id !== undefined)
  const [texts, places] = await Promise.all([
    db.select({ id: revisions.id, title: revisions.title, plainText: revisions.plainText }).from(revisions).where(inArray(revisions.id, revisionIds)),
    db.select({ id: sections.id, slug: sections.slug, position: sections.position }).from(sections).where(inArray(sections.id, differing)).orderBy(asc(sections.position)),
  ])
  const text = new Map(texts.map((row) => [row.id, row]))
  const changes: SectionChange[] = []
  for (const place of places) {
    const [from, to] = [before.get(place.id), after.get(place.id)]
    const [old, next] = [from && text.get(from.revisionId), to && text.get(to.revisionId)]
    const base = { sectionId: place.id, slug: place.slug, fromRevisionId: from?.revisionId ?? null, toRevisionId: to?.revisionId ?? null }
    if (!from || !old) {
      if (to && next) changes.push({ ...base, number: to.number, title: next.title, status: 'new', movedFrom: null, previousTitle: null, diff: null })
      continue
    }
    if (!to || !next) {
      changes.push({ ...base, number: from.number, title: old.title, status: 'removed', movedFrom: null, previousTitle: null, diff: null })
      continue
    }
    const moved = from.number !== to.number || from.parentId !== to.parentId
    const retitled = old.title !== next.title
    const rewritten = old.plainText !== next.plainText
    // A publish that left title and text as they were is no change for readers.
    if (!moved && !retitled && !rewritten) continue
    changes.push({
      ...base,
      number: to.number,
      title: next.title,
      status: 'changed',
      movedFrom: moved ? from.number : null,
      previousTitle: retitled ? old.title : null,
      diff: rewritten ? compareTexts(old.plainText, next.plainText, bounds) : null,
    })
  }
  return changes
}

/** A contribution accepted in an edition's time: what led to a change, or came with it. */
export type AcceptedContribution = { kind: ContributionKind | 'example'; sectionId: number | null; text: string; signedBy: string; href: string | null }

/** Published after `from` and up to `to` (both open when null). */
function within(column: typeof contributions.decidedAt | typeof examples.updatedAt | typeof revisions.createdAt, from: Date | null, to: Date | null) {
  const conditions: SQL[] = []
  if (from) conditions.push(gt(column, from))
  if (to) conditions.push(lte(column, to))
  return conditions
}

function signature(row: { name: string; organisation: string; showName: number }) {
  // A visitor is named only with their consent.
  return row.showName && row.name.trim() ? [row.name.trim(), row.organisation.trim()].filter(Boolean).join(', ') : ''
}

/** Suggestions, tips and lessons accepted, and visitors' and members' examples published, in the window. */
export async function acceptedBetween(db: Database, from: Date | null, to: Date | null): Promise<AcceptedContribution[]> {
  const [tips, newExamples] = await Promise.all([
    db
      .select({ kind: contributions.kind, sectionId: contributions.sectionId, body: contributions.body, name: contributions.name, organisation: contributions.organisation, showName: contributions.showName, slug: sections.slug })
      .from(contributions)
      .leftJoin(sections, eq(sections.id, contributions.sectionId))
      .where(and(eq(contributions.status, 'approved'), ...within(contributions.decidedAt, from, to)))
      .orderBy(asc(contributions.decidedAt), asc(contributions.id)),
    db
      .select({ slug: examples.slug, name: examples.name, member: users.name, submitterName: examples.submitterName, showName: examples.showName })
      .from(examples)
      .leftJoin(users, eq(users.id, examples.createdBy))
      // Submitted ones carry a removal token; the imported examples of the first edition do not.
      .where(and(eq(examples.status, 'published'), isNotNull(examples.removalTokenId), ...within(examples.updatedAt, from, to)))
      .orderBy(asc(examples.updatedAt)),
  ])
  return [
    ...tips.map((row) => ({
      kind: row.kind,
      sectionId: row.sectionId,
      text: row.body.length > 240 ? `${row.body.slice(0, 240).trimEnd()}…` : row.body,
      signedBy: signature(row),
      href: row.slug ? `/handreiking/${row.slug}` : null,
    })),
    ...newExamples.map((row) => ({
      kind: 'example' as const,
      sectionId: null,
      text: row.name,
      signedBy: row.member ?? signature({ name: row.submitterName, organisation: '', showName: row.showName }),
      href: `/voorbeelden/${row.slug}`,
    })),
  ]
}

/**
 * Who made the text of a window: members whose edits were published (the authors
 * frozen in each revision), visitors who consented to be named, and a count of
 * the other visitors' accepted contributions.
 */
export async function creditsBetween(db: Database, from: Date | null, to: Date | null): Promise<EditionCredits> {
  const [authors, accepted] = await Promise.all([
    db
      .selectDistinct({ name: sql<string>`unnest(${revisions.authors})` })
      .from(revisions)
      .where(and(isNotNull(revisions.createdBy), ...within(revisions.createdAt, from, to))),
    acceptedBetween(db, from, to),
  ])
  const names = new Set(authors.map((row) => row.name.trim()).filter(Boolean))
  let visitors = 0
  for (const item of accepted) {
    if (item.signedBy) names.add(item.signedBy)
    else visitors++
  }
  return { names: [...names].sort((a, b) => a.localeCompare(b, 'nl')), visitors }
}

/** "Anna, Bert en 3 bezoekers"; '' when nobody is to be credited. */
export function creditLine(credits: EditionCredits) {
  const parts = [...credits.names]
  if (credits.visitors > 0) parts.push(credits.visitors === 1 ? 'één bezoeker' : `${credits.visitors} bezoekers`)
  if (parts.length <= 1) return parts.join('')
  return `${parts.slice(0, -1).join(', ')} en ${parts.at(-1)}`
}

/** Where the live text stands: revision, number and parent of every section, for a new edition's rows. */
export async function currentPlacements(db: Database) {
  return liveSnapshot(db)
}

export type EditionChangeReport = {
  number: number
  createdAt: Date
  /** The edition before; null for the first edition. */
  previous: { number: number; createdAt: Date } | null
  sections: SectionChange[]
  /** The edition's colophon, as frozen. */
  credits: EditionCredits
  /** Who made this edition's changes (read afresh: removed contributions are gone). */
  changeCredits: EditionCredits
  accepted: AcceptedContribution[]
}

/**
 * Stores what changed in a just-frozen edition, inside the freezing transaction. The
 * credits are those its PDF was made with; withdrawn consent changes later editions only.
 */
export async function storeEditionChanges(db: Database, editionId: number, credits: EditionCredits) {
  const [edition] = await db.select({ number: editions.number }).from(editions).where(eq(editions.id, editionId))
  const window = await editionWindow(db, edition.number)
  const before = window?.previous ? await editionSnapshot(db, window.previous.id) : null
  const changes = before ? await compareSnapshots(db, before, await editionSnapshot(db, editionId), storedDiffBounds) : []
  await db.insert(editionChanges).values({ editionId, sections: changes, credits }).onConflictDoNothing()
  return { sections: changes, credits }
}

/**
 * What changed in edition `number` since the one before, and who made it; null when
 * there is no such edition. Editions frozen before changes were stored get theirs
 * computed on first request, and kept.
 */
export async function editionChangeReport(db: Database, number: number): Promise<EditionChangeReport | null> {
  const window = await editionWindow(db, number)
  if (!window) return null
  const { edition, previous } = window
  let [stored] = await db.select({ sections: editionChanges.sections, credits: editionChanges.credits }).from(editionChanges).where(eq(editionChanges.editionId, edition.id))
  if (!stored) stored = await storeEditionChanges(db, edition.id, await creditsBetween(db, null, edition.createdAt))
  const from = previous?.createdAt ?? null
  // Read afresh: a contribution its submitter removed is gone from here too.
  const [changeCredits, accepted] = await Promise.all([creditsBetween(db, from, edition.createdAt), acceptedBetween(db, from, edition.createdAt)])
  return {
    number: edition.number,
    createdAt: edition.createdAt,
    previous: previous ? { number: previous.number, createdAt: previous.createdAt } : null,
    sections: stored.sections,
    credits: stored.credits,
    changeCredits,
    accepted,
  }
}

/** Credits of every frozen edition, newest first, for the editions list and the colophon. */
export async function allEditionCredits(db: Database): Promise<Map<number, EditionCredits>> {
  const rows = await db
    .select({ number: editions.number, credits: editionChanges.credits })
    .from(editions)
    .leftJoin(editionChanges, eq(editionChanges.editionId, editions.id))
    .orderBy(desc(editions.number))
  const credits = new Map<number, EditionCredits>()
  for (const row of rows) credits.set(row.number, row.credits ?? (await editionChangeReport(db, row.number))!.credits)
  return credits
}

/** The colophon of the current text: everyone whose work is in it, with consent as it stands now. */
export function liveCredits(db: Database) {
  return creditsBetween(db, null, null)
}

/** `credits`: who made the changes since the latest edition. */
export type LiveChangeReport = { since: { number: number; createdAt: Date } | null; sections: SectionChange[]; credits: EditionCredits; accepted: AcceptedContribution[] }

/**
 * "Nog niet in een editie": the latest edition against the current published text.
 * Computed once per content version; versions that change nothing in the text (a
 * download count) reuse the comparison of the same revisions. A few are kept.
 */
export class LiveChanges {
  private byVersion: { version: string; report: Promise<LiveChangeReport> } | null = null
  private byRevisions = new Map<string, Promise<SectionChange[]>>()
  computed = 0

  constructor(
    private readonly db: Database,
    private readonly contentVersion: ContentVersion,
  ) {}

  report(): Promise<LiveChangeReport> {
    const version = this.contentVersion.current
    if (this.byVersion?.version !== version) {
      const report = this.compute()
      this.byVersion = { version, report }
      report.catch(() => {
        if (this.byVersion?.report === report) this.byVersion = null
      })
    }
    return this.byVersion.report
  }

  private async compute(): Promise<LiveChangeReport> {
    const [latest] = await this.db.select({ id: editions.id, number: editions.number, createdAt: editions.createdAt }).from(editions).orderBy(desc(editions.number)).limit(1)
    const [live, credits, accepted] = await Promise.all([liveSnapshot(this.db), creditsBetween(this.db, latest?.createdAt ?? null, null), acceptedBetween(this.db, latest?.createdAt ?? null, null)])
    const key = `${latest?.id ?? 0}:${[...live].map(([id, place]) => `${id}=${place.revisionId}/${place.number}/${place.parentId}`).join(',')}`
    let sections = this.byRevisions.get(key)
    if (!sections) {
      this.computed += 1
      sections = latest ? editionSnapshot(this.db, latest.id).then((before) => compareSnapshots(this.db, before, live)) : Promise.resolve([])
      this.byRevisions.set(key, sections)
      sections.catch(() => this.byRevisions.delete(key))
      // Bounded: the oldest comparisons go first.
      while (this.byRevisions.size > 4) this.byRevisions.delete(this.byRevisions.keys().next().value!)
    }
    return { since: latest ? { number: latest.number, createdAt: latest.createdAt } : null, sections: await sections, credits, accepted }
  }
}

/**
 * For a section page: the latest edition when the section's published text or title
 * differs from that edition's (or the section is newer than it); null otherwise.
 */
export async function changedSinceEdition(db: Database, sectionId: number, currentRevisionId: number) {
  const current = db.select({ title: revisions.title, plainText: revisions.plainText }).from(revisions).where(eq(revisions.id, currentRevisionId)).as('current')
  const [row] = await db
    .select({ number: editions.number, revisionId: editionSections.revisionId, same: sql<boolean>`coalesce(${revisions.title} = ${current.title} and ${revisions.plainText} = ${current.plainText}, false)` })
    .from(editions)
    .leftJoin(editionSections, and(eq(editionSections.editionId, editions.id), eq(editionSections.sectionId, sectionId)))
    .leftJoin(revisions, eq(revisions.id, editionSections.revisionId))
    .leftJoin(current, sql`true`)
    .orderBy(desc(editions.number))
    .limit(1)
  if (!row || row.revisionId === currentRevisionId || row.same) return null
  return { number: row.number, isNew: row.revisionId === null }
}
