import { randomUUID } from 'node:crypto'
import { and, asc, eq, like, sql } from 'drizzle-orm'
import { newToken } from '#server/auth/random'
import type { Database } from '#server/db/client'
import { attachments, examples } from '#server/db/schema'
import type { FileStorage } from '#server/files/storage'
import { discardUploads, type ReceivedFile } from '#server/files/uploads'
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
  clientKey: string
  userId?: number
  /** Members' examples are published at once; visitors' wait for moderation. */
  publishDirectly: boolean
}

/**
 * Stores an example with its files: files go to storage first, then one
 * transaction writes the example and its attachments; if anything fails, the
 * stored files are removed again, so nothing is ever half-saved.
 */
export async function submitExample(db: Database, storage: FileStorage, input: NewExample, files: ReceivedFile[], publicUrl: string) {
  const slug = await uniqueSlug(db, input.name)
  const stored: string[] = []
  try {
    const keyed = files.map((file) => ({ file, key: `voorbeelden/${slug}/${randomUUID()}.${file.extension}` }))
    for (const { file, key } of keyed) {
      await storage.store(key, file.temporaryFile, file.mediaType)
      stored.push(key)
    }
    // Visitors' text is plain text: paragraphs only, never Markdown links or HTML.
    const story = { type: 'doc', content: plainParagraphs(input.story) }
    const removal = newToken()
    const example = await db.transaction(async (tx) => {
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
          story,
          storyHtml: renderDocumentHtml(story),
          storyText: documentPlainText(story),
          status: input.publishDirectly ? 'published' : 'pending',
          source: input.publishDirectly ? 'Toegevoegd door een netwerklid' : 'Ingestuurd door een bezoeker',
          clientHash: input.clientKey,
          removalTokenId: removal.id,
          removalSecretHash: removal.secretHash,
          createdBy: input.userId,
        })
        .returning({ id: examples.id, slug: examples.slug, status: examples.status })
      if (keyed.length > 0) {
        await tx.insert(attachments).values(
          keyed.map(({ file, key }) => ({ exampleId: row.id, storageKey: key, fileName: file.fileName, mediaType: file.mediaType, byteSize: file.byteSize })),
        )
      }
      return row
    })
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
    return example
  } catch (error) {
    await Promise.all(stored.map((key) => storage.remove(key).catch(() => {})))
    await discardUploads(files)
    throw error
  }
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
    .select({ id: attachments.id, fileName: attachments.fileName, mediaType: attachments.mediaType, byteSize: attachments.byteSize, downloads: attachments.downloads })
    .from(attachments)
    .where(eq(attachments.exampleId, exampleId))
    .orderBy(asc(attachments.id))
}

/** The file to send, counting the download; only for published examples. */
export async function takeDownload(db: Database, exampleSlug: string, attachmentId: number) {
  const [row] = await db
    .update(attachments)
    .set({ downloads: sql`${attachments.downloads} + 1` })
    .where(
      and(
        eq(attachments.id, attachmentId),
        sql`${attachments.exampleId} = (select id from ${examples} where ${examples.slug} = ${exampleSlug} and ${examples.status} = 'published')`,
      ),
    )
    .returning()
  return row ?? null
}

