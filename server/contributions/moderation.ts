import { and, asc, count, eq, inArray, lte, sql, type SQL } from 'drizzle-orm'
import { recordAudit } from '#server/audit'
import { newToken } from '#server/auth/random'
import type { SessionUser } from '#server/auth/sessions'
import type { CollabServer } from '#server/collab/collab-server'
import type { Database } from '#server/db/client'
import { attachments, contributions, examples, revisions, sections, type ContributionKind } from '#server/db/schema'
import { sendMail } from '#server/mail/mailer'
import { plainParagraphs } from '#server/examples/submissions'
import { documentPlainText, renderDocumentHtml } from '#server/handbook/render'
import { kindLabels } from './contributions'
import { applySuggestion } from './suggestions'

export type QueueKind = ContributionKind | 'example'
export const queueKindLabels: Record<QueueKind, string> = { ...kindLabels, example: 'goed voorbeeld' }

/** A file an example brings along: what the editor approves, openable before it is public. */
export type QueueFile = { id: number; fileName: string; mediaType: string; byteSize: number; scanStatus: 'pending' | 'clean'; hasPreview: boolean }

/** Everything a visitor filled in for an example, as they sent it. */
export type QueueExample = {
  slug: string
  name: string
  place: string
  region: string
  themes: string[]
  summary: string
  storyHtml: string
  website: string
  contact: string
  /** Never shown with the example; named in the colophon only with `showName` (consent). */
  submitterName: string
  showName: boolean
  files: QueueFile[]
}

export type QueueItem = {
  kind: QueueKind
  id: number
  /** '' for examples and for general tips, which belong to no one section. */
  sectionSlug: string
  sectionTitle: string
  /** The published text of the section a tip, lesson or suggestion answers (HTML rendered by us). */
  sectionHtml: string
  body: string
  originalText: string | null
  reason: string
  /** Name and organisation as typed, whether or not they may be shown. */
  submitter: string
  /** What readers will see as the signature: only with the submitter's consent. */
  signedBy: string
  /** The submitter left an address to hear the outcome (the address itself stays out of sight). */
  hasEmail: boolean
  createdAt: Date
  example: QueueExample | null
}

export type QueueFilter = { kind?: QueueKind; sectionSlug?: string; olderThanDays?: number }

export const generalSectionTitle = 'de hele handreiking (algemeen)'

/** Everything waiting for an editor, oldest first, in one list, with every field the visitor sent. */
export async function moderationQueue(db: Database, filter: QueueFilter = {}, now = new Date()): Promise<QueueItem[]> {
  const before = filter.olderThanDays ? new Date(now.getTime() - filter.olderThanDays * 86_400_000) : undefined
  const items: QueueItem[] = []
  if (filter.kind !== 'example') {
    const conditions: SQL[] = [eq(contributions.status, 'pending')]
    if (filter.kind) conditions.push(eq(contributions.kind, filter.kind))
    if (filter.sectionSlug) conditions.push(eq(sections.slug, filter.sectionSlug))
    if (before) conditions.push(lte(contributions.createdAt, before))
    const rows = await db
      .select({
        kind: contributions.kind,
        id: contributions.id,
        sectionSlug: sections.slug,
        sectionTitle: sections.title,
        sectionHtml: revisions.html,
        body: contributions.body,
        originalText: contributions.originalText,
        reason: contributions.reason,
        name: contributions.name,
        organisation: contributions.organisation,
        showName: contributions.showName,
        email: contributions.email,
        createdAt: contributions.createdAt,
      })
      .from(contributions)
      .leftJoin(sections, eq(sections.id, contributions.sectionId))
      .leftJoin(revisions, eq(revisions.id, sections.currentRevisionId))
      .where(and(...conditions))
      .orderBy(asc(contributions.createdAt))
    items.push(
      ...rows.map(({ name, organisation, showName, email, ...row }) => {
        const submitter = [name, organisation].filter(Boolean).join(', ')
        return {
          ...row,
          sectionSlug: row.sectionSlug ?? '',
          sectionTitle: row.sectionTitle ?? generalSectionTitle,
          sectionHtml: row.sectionHtml ?? '',
          submitter,
          signedBy: showName ? submitter : '',
          hasEmail: Boolean(email),
          example: null,
        }
      }),
    )
  }
  if ((!filter.kind || filter.kind === 'example') && !filter.sectionSlug) {
    const conditions: SQL[] = [eq(examples.status, 'pending')]
    if (before) conditions.push(lte(examples.createdAt, before))
    const rows = await db
      .select({
        id: examples.id,
        slug: examples.slug,
        name: examples.name,
        place: examples.place,
        region: examples.region,
        themes: examples.themes,
        summary: examples.summary,
        story: examples.storyText,
        storyHtml: examples.storyHtml,
        website: examples.website,
        contact: examples.contact,
        submitterName: examples.submitterName,
        showName: examples.showName,
        submitterEmail: examples.submitterEmail,
        createdAt: examples.createdAt,
      })
      .from(examples)
      .where(and(...conditions))
      .orderBy(asc(examples.createdAt))
    const files = rows.length === 0 ? [] : await db
      .select({
        id: attachments.id,
        exampleId: attachments.exampleId,
        fileName: attachments.fileName,
        mediaType: attachments.mediaType,
        byteSize: attachments.byteSize,
        scanStatus: attachments.scanStatus,
        hasPreview: sql<boolean>`${attachments.previewKey} is not null`,
      })
      .from(attachments)
      .where(inArray(attachments.exampleId, rows.map((row) => row.id)))
      .orderBy(asc(attachments.id))
    items.push(
      ...rows.map((row) => ({
        kind: 'example' as const,
        id: row.id,
        sectionSlug: '',
        sectionTitle: `${row.name}${row.place ? ` (${row.place})` : ''}`,
        sectionHtml: '',
        body: `${row.summary}\n\n${row.story}`,
        originalText: null,
        reason: '',
        submitter: row.contact,
        signedBy: '',
        hasEmail: Boolean(row.submitterEmail),
        createdAt: row.createdAt,
        example: {
          slug: row.slug,
          name: row.name,
          place: row.place,
          region: row.region,
          themes: row.themes,
          summary: row.summary,
          storyHtml: row.storyHtml,
          website: row.website,
          contact: row.contact,
          submitterName: row.submitterName,
          showName: row.showName === 1,
          files: files.filter((file) => file.exampleId === row.id).map(({ exampleId, ...file }) => file),
        },
      })),
    )
  }
  return items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
}

/** A file of an example that is still waiting, for a moderator to open before deciding. */
export async function pendingAttachment(db: Database, attachmentId: number) {
  const [row] = await db
    .select({
      storageKey: attachments.storageKey,
      fileName: attachments.fileName,
      mediaType: attachments.mediaType,
      byteSize: attachments.byteSize,
      scanStatus: attachments.scanStatus,
      previewKey: attachments.previewKey,
    })
    .from(attachments)
    .innerJoin(examples, eq(examples.id, attachments.exampleId))
    .where(and(eq(attachments.id, attachmentId), eq(examples.status, 'pending')))
  return row ?? null
}

export async function waitingCount(db: Database) {
  const [[tips], [pendingExamples]] = await Promise.all([
    db.select({ value: count() }).from(contributions).where(eq(contributions.status, 'pending')),
    db.select({ value: count() }).from(examples).where(eq(examples.status, 'pending')),
  ])
  return tips.value + pendingExamples.value
}

export type Decision = 'approve' | 'approve-manually' | 'reject' | 'spam'
export type DecisionOutcome = { outcome: 'done' } | { outcome: 'unscanned-files'; fileNames: string[] } | { outcome: 'conflict'; originalText: string; proposedText: string; currentTexts: string[] } | { outcome: 'missing' }

/**
 * One editor decision on one queue item: stored, audited, and mailed to the
 * submitter when they left an address. Accepting a suggestion applies it to
 * the live document first; a conflict changes nothing.
 */
export async function decide(
  db: Database,
  collab: CollabServer,
  input: { editor: SessionUser; kind: QueueKind; id: number; decision: Decision; reason?: string; editedBody?: string; publicUrl: string; scanning?: boolean },
): Promise<DecisionOutcome> {
  return input.kind === 'example' ? decideExample(db, input) : decideContribution(db, collab, input)
}

async function decideContribution(db: Database, collab: CollabServer, input: Parameters<typeof decide>[2]): Promise<DecisionOutcome> {
  const [item] = await db
    .select({ contribution: contributions, sectionSlug: sections.slug, sectionTitle: sections.title })
    .from(contributions)
    .leftJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.id, input.id), eq(contributions.status, 'pending')))
  if (!item) return { outcome: 'missing' }
  const body = input.editedBody?.trim() || item.contribution.body
  if (input.decision === 'approve' && item.contribution.kind === 'suggestion') {
    if (!item.sectionSlug) return { outcome: 'missing' }
    const applied = await applySuggestion(collab, { slug: item.sectionSlug, originalText: item.contribution.originalText ?? '', proposedText: body })
    if (applied.outcome === 'conflict') return { outcome: 'conflict', originalText: item.contribution.originalText ?? '', proposedText: body, currentTexts: applied.currentTexts }
    if (applied.outcome === 'missing') return { outcome: 'missing' }
  }
  const status = input.decision === 'spam' ? 'spam' : input.decision === 'reject' ? 'rejected' : 'approved'
  await db
    .update(contributions)
    .set({ status, body, decisionReason: input.reason ?? '', decidedBy: input.editor.id, decidedAt: new Date() })
    .where(eq(contributions.id, input.id))
  await recordAudit(db, { actorId: input.editor.id, action: `contribution.${status}`, details: { contributionId: input.id, kind: item.contribution.kind, reason: input.reason ?? '' } })
  if (item.contribution.email && status !== 'spam') {
    await mailOutcome(db, {
      to: item.contribution.email,
      what: `uw ${kindLabels[item.contribution.kind]}${item.sectionTitle ? ` bij "${item.sectionTitle}"` : ''}`,
      approved: status === 'approved',
      reason: input.reason,
      removal: (token) => db.update(contributions).set(token).where(eq(contributions.id, input.id)),
      publicUrl: input.publicUrl,
    })
  }
  return { outcome: 'done' }
}

async function decideExample(db: Database, input: Parameters<typeof decide>[2]): Promise<DecisionOutcome> {
  const [example] = await db.select().from(examples).where(and(eq(examples.id, input.id), eq(examples.status, 'pending')))
  if (!example) return { outcome: 'missing' }
  if (input.scanning && (input.decision === 'approve' || input.decision === 'approve-manually')) {
    // Publishing would offer files no scanner has passed: they wait in quarantine until clamd answers.
    const unscanned = await db
      .select({ fileName: attachments.fileName })
      .from(attachments)
      .where(and(eq(attachments.exampleId, input.id), eq(attachments.scanStatus, 'pending')))
    if (unscanned.length > 0) return { outcome: 'unscanned-files', fileNames: unscanned.map((file) => file.fileName) }
  }
  const status = input.decision === 'spam' ? 'spam' : input.decision === 'reject' ? 'rejected' : 'published'
  const edited = input.editedBody?.trim()
  const story = edited ? { type: 'doc', content: plainParagraphs(edited) } : null
  await db
    .update(examples)
    .set({
      status,
      decisionReason: input.reason ?? '',
      updatedAt: new Date(),
      ...(story ? { story, storyHtml: renderDocumentHtml(story), storyText: documentPlainText(story) } : {}),
    })
    .where(eq(examples.id, input.id))
  await recordAudit(db, { actorId: input.editor.id, action: `example.${status === 'published' ? 'approved' : status}`, details: { exampleId: input.id, reason: input.reason ?? '' } })
  if (example.submitterEmail && status !== 'spam') {
    await mailOutcome(db, {
      to: example.submitterEmail,
      what: `uw voorbeeld "${example.name}"`,
      approved: status === 'published',
      reason: input.reason,
      removal: (token) => db.update(examples).set(token).where(eq(examples.id, input.id)),
      publicUrl: input.publicUrl,
    })
  }
  return { outcome: 'done' }
}

async function mailOutcome(
  db: Database,
  input: { to: string; what: string; approved: boolean; reason?: string; removal: (token: { removalTokenId: string; removalSecretHash: Uint8Array }) => Promise<unknown>; publicUrl: string },
) {
  // A fresh removal link: only its hash is stored, so the earlier one cannot be repeated.
  const removal = newToken()
  await input.removal({ removalTokenId: removal.id, removalSecretHash: removal.secretHash })
  await sendMail(db, {
    to: input.to,
    subject: input.approved ? 'Uw bijdrage staat op de website' : 'Uw bijdrage is niet geplaatst',
    paragraphs: [
      input.approved
        ? `Goed nieuws: ${input.what} is goedgekeurd en staat nu op de website. Dank u wel!`
        : `Een redacteur heeft ${input.what} bekeken en besloten die niet te plaatsen.`,
      ...(input.reason ? [`Toelichting van de redactie: ${input.reason}`] : []),
      'Wilt u uw bijdrage laten verwijderen? Gebruik de link hieronder.',
    ],
    link: { label: 'Mijn bijdrage verwijderen', url: `${input.publicUrl}/bijdragen/verwijderen/${removal.token}` },
  })
}

/** Editors can take a published example offline again (members' examples go live at once). */
export async function unpublishExample(db: Database, editor: SessionUser, exampleId: number) {
  await db.update(examples).set({ status: 'hidden', updatedAt: new Date() }).where(eq(examples.id, exampleId))
  await recordAudit(db, { actorId: editor.id, action: 'example.unpublished', details: { exampleId } })
}
