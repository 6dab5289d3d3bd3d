import { and, asc, desc, eq, sql } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { contributions, sections, type ContributionKind } from '#server/db/schema'
import { newToken } from '#server/auth/random'
import { sendMail } from '#server/mail/mailer'
import { claimFormToken, firstOutcome, type FormClaim } from './form-guard'

export const kindLabels: Record<ContributionKind, string> = { tip: 'tip', lesson: 'lesson learned', suggestion: 'voorstel voor een tekstwijziging' }

export type NewContribution = {
  kind: ContributionKind
  /** Null: a general tip or lesson, for the handbook as a whole. */
  sectionSlug: string | null
  body: string
  originalText?: string
  reason?: string
  name?: string
  organisation?: string
  showName: boolean
  email?: string
  clientKey: string
  userId?: number
}

/**
 * Stores a visitor's contribution as pending, claiming the form's token in the
 * same transaction; mails a receipt with a removal link when an address was
 * given. A second request with the same token stores nothing and gets the
 * first one's outcome (where to send the visitor); null for an unknown section
 * (a general tip has no section).
 */
export async function submitContribution(db: Database, input: NewContribution, claim: FormClaim, outcome: string, publicUrl: string) {
  const [section] = input.sectionSlug === null ? [null] : await db.select({ id: sections.id, title: sections.title }).from(sections).where(eq(sections.slug, input.sectionSlug))
  if (section === undefined) return null
  const removal = newToken()
  const stored = await db.transaction(async (tx) => {
    if (!(await claimFormToken(tx as unknown as Database, claim, outcome))) return false
    await tx.insert(contributions).values({
      kind: input.kind,
      sectionId: section?.id ?? null,
      body: input.body,
      originalText: input.originalText,
      reason: input.reason ?? '',
      name: input.name ?? '',
      organisation: input.organisation ?? '',
      showName: input.showName ? 1 : 0,
      email: input.email || null,
      clientHash: input.clientKey,
      removalTokenId: removal.id,
      removalSecretHash: removal.secretHash,
      createdBy: input.userId,
    })
    return true
  })
  if (!stored) return { outcome: (await firstOutcome(db, claim)) ?? outcome }
  if (input.email) {
    await sendMail(db, {
      to: input.email,
      subject: `Ontvangen: uw ${kindLabels[input.kind]}`,
      paragraphs: [
        'Dank u wel voor uw bijdrage aan de Handreiking Lokaal samenwerken.',
        `Een redacteur bekijkt uw ${kindLabels[input.kind]}${section ? ` bij "${section.title}"` : ''}. U krijgt bericht als die is beoordeeld.`,
        'Wilt u uw bijdrage toch niet delen? Met de link hieronder verwijdert u haar, nu of later.',
      ],
      link: { label: 'Mijn bijdrage verwijderen', url: `${publicUrl}/bijdragen/verwijderen/${removal.token}` },
    })
  }
  return { outcome }
}

/** `sectionSlug` is null for a general tip, which belongs to no one section. */
export type PublicContribution = { id: number; kind: ContributionKind; body: string; signedBy: string; createdAt: Date; sectionSlug: string | null; sectionTitle: string | null }

const publicColumns = {
  id: contributions.id,
  kind: contributions.kind,
  body: contributions.body,
  name: contributions.name,
  organisation: contributions.organisation,
  showName: contributions.showName,
  createdAt: contributions.createdAt,
  sectionSlug: sections.slug,
  sectionTitle: sections.title,
}

function toPublic(row: { id: number; kind: ContributionKind; body: string; name: string; organisation: string; showName: number; createdAt: Date; sectionSlug: string | null; sectionTitle: string | null }): PublicContribution {
  // Names are shown only with the submitter's consent.
  const signedBy = row.showName ? [row.name, row.organisation].filter(Boolean).join(', ') : ''
  return { id: row.id, kind: row.kind, body: row.body, signedBy, createdAt: row.createdAt, sectionSlug: row.sectionSlug, sectionTitle: row.sectionTitle }
}

/** Approved tips and lessons under one section, newest first. */
export async function approvedForSection(db: Database, slug: string) {
  const rows = await db
    .select(publicColumns)
    .from(contributions)
    .innerJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(sections.slug, slug), eq(contributions.status, 'approved'), sql`${contributions.kind} <> 'suggestion'`))
    .orderBy(desc(contributions.createdAt))
  return rows.map(toPublic)
}

export async function recentApproved(db: Database, limit = 5) {
  const rows = await db
    .select(publicColumns)
    .from(contributions)
    .leftJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.status, 'approved'), sql`${contributions.kind} <> 'suggestion'`))
    .orderBy(desc(contributions.createdAt))
    .limit(limit)
  return rows.map(toPublic)
}

/**
 * Accepted suggestions for a section, oldest first, with their author's name only
 * when they consented: the history page credits them with the version they went into.
 */
export async function acceptedSuggestions(db: Database, slug: string) {
  const rows = await db
    .select({ decidedAt: contributions.decidedAt, name: contributions.name, organisation: contributions.organisation, showName: contributions.showName })
    .from(contributions)
    .innerJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(sections.slug, slug), eq(contributions.kind, 'suggestion'), eq(contributions.status, 'approved')))
    .orderBy(asc(contributions.decidedAt))
  return rows.map((row) => ({ decidedAt: row.decidedAt ?? new Date(0), signedBy: row.showName && row.name.trim() ? [row.name.trim(), row.organisation.trim()].filter(Boolean).join(', ') : '' }))
}
