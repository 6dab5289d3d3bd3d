import { and, asc, eq, like, sql } from 'drizzle-orm'
import { newToken } from '#server/auth/random'
import type { Database } from '#server/db/client'
import { attachments, examples } from '#server/db/schema'
import { claimFormToken, firstOutcome, type FormClaim } from '#server/contributions/form-guard'
import type { FileStorage } from '#server/files/storage'
import { abandonUploads, settleUploads, storeUploads } from '#server/files/stored-uploads'
import type { CheckedFile } from '#server/files/file-safety'
import { documentPlainText, renderDocumentHtml } from '#server/handbook/render'
import { sendMail } from '#server/mail/mailer'

export type NewExample = {
  name: string
  place: string
  region: string
  themes: string[]
  summary: string
  story: string
  website: string
  contact: string
  submitterEmail?: string
  /** For the colophon's credits, only with `showName` (the visitor's consent). */
  submitterName?: string
  showName?: boolean
  clientKey: string
  userId?: number
  /** Members' examples are published at once; visitors' wait for moderation. */
  publishDirectly: boolean
}

/**
 * Stores an example with its files as one unit: the files go to storage first
 * (marked pending), then one transaction claims the form's token and writes
 * the example and its attachments; if that fails or another request with the
 * same token got there first, the stored files are removed again. Answers
 * with where to send the visitor: this submission's outcome or the first one's.
 */
export async function submitExample(
  db: Database,
  storage: FileStorage,
  input: NewExample,
  files: CheckedFile[],
  claim: FormClaim,
  outcomeFor: (example: { slug: string; status: string }) => string,
  publicUrl: string,
) {
  const slug = await uniqueSlug(db, input.name)
  const status = input.publishDirectly ? 'published' : 'pending'
  const outcome = outcomeFor({ slug, status })
  const stored = await storeUploads(db, storage, `voorbeelden/${slug}`, files)
  // Visitors' text is plain text: paragraphs only, never Markdown links or HTML.
  const story = { type: 'doc', content: plainParagraphs(input.story) }
  const removal = newToken()
  let saved: boolean
  let attachmentIds: number[] = []
  try {
    saved = await db.transaction(async (tx) => {
      if (!(await claimFormToken(tx as unknown as Database, claim, outcome))) return false
      const [row] = await tx
        .insert(examples)
        .values({
          slug,
          name: input.name,
          place: input.place,
          region: input.region,
          themes: input.themes,
          summary: input.summary,
          website: input.website,
          contact: input.contact,
          submitterEmail: input.submitterEmail || null,
          submitterName: input.submitterName ?? '',
          showName: input.showName ? 1 : 0,
          story,
          storyHtml: renderDocumentHtml(story),
          storyText: documentPlainText(story),
          status,
          source: input.publishDirectly ? 'Toegevoegd door een netwerklid' : 'Ingestuurd door een bezoeker',
          clientHash: input.clientKey,
          removalTokenId: removal.id,
          removalSecretHash: removal.secretHash,
          createdBy: input.userId,
        })
        .returning({ id: examples.id })
      if (stored.length > 0) {
        const rows = await tx
          .insert(attachments)
          .values(stored.map((file) => ({ exampleId: row.id, storageKey: file.key, fileName: file.fileName, mediaType: file.mediaType, byteSize: file.byteSize, scanStatus: file.scanStatus, scannedAt: file.scanStatus === 'clean' ? new Date() : null })))
          .returning({ id: attachments.id })
        attachmentIds = rows.map((attachment) => attachment.id)
      }
      await settleUploads(tx as unknown as Database, stored)
      return true
    })
  } catch (error) {
    await abandonUploads(db, storage, stored)
    throw error
  }
  if (!saved) {
    await abandonUploads(db, storage, stored)
    return { outcome: (await firstOutcome(db, claim)) ?? outcome, attachmentIds: [] }
  }
  if (input.submitterEmail) {
    await sendMail(db, {
      to: input.submitterEmail,
      subject: 'Ontvangen: uw goede voorbeeld',
      paragraphs: [
        `Dank u wel voor het voorbeeld "${input.name}".`,
        input.publishDirectly ? 'Het staat nu op de website.' : 'Een redacteur bekijkt het; u krijgt bericht als het is beoordeeld.',
        'Wilt u het toch niet delen? Met de link hieronder verwijdert u het, met de bestanden, nu of later.',
      ],
      link: { label: 'Mijn voorbeeld verwijderen', url: `${publicUrl}/bijdragen/verwijderen/${removal.token}` },
    })
  }
  return { outcome, attachmentIds }
}

export function plainParagraphs(text: string) {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => ({ type: 'paragraph', content: [{ type: 'text', text: paragraph.replace(/\s*\n\s*/g, ' ') }] }))
}

async function uniqueSlug(db: Database, name: string) {
  const base =
    name
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'voorbeeld'
  const taken = await db.select({ slug: examples.slug }).from(examples).where(like(examples.slug, `${base}%`))
  const slugs = new Set(taken.map((row) => row.slug))
  if (!slugs.has(base)) return base
  for (let suffix = 2; ; suffix++) if (!slugs.has(`${base}-${suffix}`)) return `${base}-${suffix}`
}

export async function listAttachments(db: Database, exampleId: number) {
  return db
    .select({
      id: attachments.id,
      fileName: attachments.fileName,
      mediaType: attachments.mediaType,
      byteSize: attachments.byteSize,
      downloads: attachments.downloads,
      scanStatus: attachments.scanStatus,
      hasPreview: sql<boolean>`${attachments.previewKey} is not null`,
    })
    .from(attachments)
    .where(eq(attachments.exampleId, exampleId))
    .orderBy(asc(attachments.id))
}

/** The file to send, counting the download; only for published examples, and only once scanned clean when scanning is on. */
export async function takeDownload(db: Database, exampleSlug: string, attachmentId: number, onlyClean: boolean) {
  const [row] = await db
    .update(attachments)
    .set({ downloads: sql`${attachments.downloads} + 1` })
    .where(
      and(
        eq(attachments.id, attachmentId),
        onlyClean ? eq(attachments.scanStatus, 'clean') : undefined,
        sql`${attachments.exampleId} = (select id from ${examples} where ${examples.slug} = ${exampleSlug} and ${examples.status} = 'published')`,
      ),
    )
    .returning()
  return row ?? null
}

/** A published example's file preview (made only from a file scanned clean). */
export async function publishedPreview(db: Database, exampleSlug: string, attachmentId: number) {
  const [row] = await db
    .select({ previewKey: attachments.previewKey, scanStatus: attachments.scanStatus })
    .from(attachments)
    .innerJoin(examples, eq(examples.id, attachments.exampleId))
    .where(and(eq(attachments.id, attachmentId), eq(examples.slug, exampleSlug), eq(examples.status, 'published'), eq(attachments.scanStatus, 'clean')))
  return row?.previewKey ? row.previewKey : null
}

