import { and, asc, count, eq, lte, type SQL } from 'drizzle-orm'
import { recordAudit } from '#server/audit'
import { newToken } from '#server/auth/random'
import type { SessionUser } from '#server/auth/sessions'
import type { CollabServer } from '#server/collab/collab-server'
import type { Database } from '#server/db/client'
import { contributions, examples, sections, type ContributionKind } from '#server/db/schema'
import { sendMail } from '#server/mail/mailer'
import { plainParagraphs } from '#server/examples/submissions'
import { documentPlainText, renderDocumentHtml } from '#server/handbook/render'
import { kindLabels } from './contributions'
import { applySuggestion } from './suggestions'

export type QueueKind = ContributionKind | 'example'
export const queueKindLabels: Record<QueueKind, string> = { ...kindLabels, example: 'goed voorbeeld' }

export type QueueItem = {
  kind: QueueKind
  id: number
  sectionSlug: string
  sectionTitle: string
  body: string
  originalText: string | null
  reason: string
  submitter: string
  createdAt: Date
}

export type QueueFilter = { kind?: QueueKind; sectionSlug?: string; olderThanDays?: number }

/** Everything waiting for an editor, oldest first, in one list. */
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
        body: contributions.body,
        originalText: contributions.originalText,
        reason: contributions.reason,
        name: contributions.name,
        organisation: contributions.organisation,
        createdAt: contributions.createdAt,
      })
      .from(contributions)
      .innerJoin(sections, eq(sections.id, contributions.sectionId))
      .where(and(...conditions))
      .orderBy(asc(contributions.createdAt))
    items.push(...rows.map((row) => ({ ...row, submitter: [row.name, row.organisation].filter(Boolean).join(', ') })))
  }
  if ((!filter.kind || filter.kind === 'example') && !filter.sectionSlug) {
    const conditions: SQL[] = [eq(examples.status, 'pending')]
    if (before) conditions.push(lte(examples.createdAt, before))
    const rows = await db
      .select({ id: examples.id, name: examples.name, place: examples.place, summary: examples.summary, story: examples.storyText, contact: examples.contact, createdAt: examples.createdAt, slug: examples.slug })
      .from(examples)
      .where(and(...conditions))
      .orderBy(asc(examples.createdAt))
    items.push(
      ...rows.map((row) => ({
        kind: 'example' as const,
        id: row.id,
        sectionSlug: '',
        sectionTitle: `${row.name}${row.place ? ` (${row.place})` : ''}`,
        body: `${row.summary}\n\n${row.story}`,
        originalText: null,
        reason: '',
        submitter: row.contact,
        createdAt: row.createdAt,
      })),
    )
  }
  return items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
}

export async function waitingCount(db: Database) {
  const [[tips], [pendingExamples]] = await Promise.all([
    db.select({ value: count() }).from(contributions).where(eq(contributions.status, 'pending')),
    db.select({ value: count() }).from(examples).where(eq(examples.status, 'pending')),
  ])
  return tips.value + pendingExamples.value
}

export type Decision = 'approve' | 'approve-manually' | 'reject' | 'spam'
export type DecisionOutcome = { outcome: 'done' } | { outcome: 'conflict'; originalText: string; proposedText: string; currentTexts: string[] } | { outcome: 'missing' }

/**
 * One editor decision on one queue item: stored, audited, and mailed to the
 * submitter when they left an address. Accepting a suggestion applies it to
 * the live document first; a conflict changes nothing.
 */
export async function decide(
  db: Database,
  collab: CollabServer,
  input: { editor: SessionUser; kind: QueueKind; id: number; decision: Decision; reason?: string; editedBody?: string; publicUrl: string },
): Promise<DecisionOutcome> {
  return input.kind === 'example' ? decideExample(db, input) : decideContribution(db, collab, input)
}

async function decideContribution(db: Database, collab: CollabServer, input: Parameters<typeof decide>[2]): Promise<DecisionOutcome> {
  const [item] = await db
    .select({ contribution: contributions, sectionSlug: sections.slug, sectionTitle: sections.title })
    .from(contributions)
    .innerJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.id, input.id), eq(contributions.status, 'pending')))
  if (!item) return { outcome: 'missing' }
  const body = input.editedBody?.trim() || item.contribution.body
  if (input.decision === 'approve' && item.contribution.kind === 'suggestion') {
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
      what: `uw ${kindLabels[item.contribution.kind]} bij "${item.sectionTitle}"`,
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
