import { and, eq, isNotNull, isNull, lt, lte, or } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { sections, subscriptions } from '#server/db/schema'
import { logger } from '#server/logger'
import { sendMail } from '#server/mail/mailer'
import { chapterSectionIds, frozenEditions, publishedChanges, type PublishedChange } from './changes'
import { scopeLabel, unsubscribeUrl } from './subscriptions'

export const digestIntervalMs = 7 * 24 * 60 * 60 * 1000

const dateFormat = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'Europe/Amsterdam' })

type Follower = { id: number; email: string; linkId: string; sectionId: number | null; digestThrough: Date; editionsThrough: number; chapter: { number: string; title: string } | null }

/**
 * The followers' job (at start and every hour, in server/site.ts): one mail per new
 * edition, and a digest of published changes at most once a week. Each mail is queued
 * in the same transaction that moves the subscription's "sent through" mark, claimed by
 * a conditional update: a restart, a second run or a second process never sends twice.
 */
export async function runFollowerMails(db: Database, publicUrl: string, now = new Date()) {
  const editionMails = await notifyNewEditions(db, publicUrl)
  const digests = await sendDigests(db, publicUrl, now)
  if (editionMails + digests > 0) logger.info({ editionMails, digests }, 'mails to followers queued')
}

async function confirmedFollowers(db: Database, where = isNotNull(subscriptions.confirmedAt)): Promise<Follower[]> {
  const rows = await db
    .select({
      id: subscriptions.id,
      email: subscriptions.email,
      linkId: subscriptions.linkId,
      sectionId: subscriptions.sectionId,
      digestThrough: subscriptions.digestThrough,
      editionsThrough: subscriptions.editionsThrough,
      confirmedAt: subscriptions.confirmedAt,
      chapterNumber: sections.number,
      chapterTitle: sections.title,
    })
    .from(subscriptions)
    .leftJoin(sections, eq(sections.id, subscriptions.sectionId))
    .where(and(isNotNull(subscriptions.confirmedAt), where))
  return rows.map((row) => ({
    ...row,
    digestThrough: row.digestThrough ?? row.confirmedAt!,
    chapter: row.chapterTitle === null ? null : { number: row.chapterNumber ?? '', title: row.chapterTitle },
  }))
}

/** One mail per edition frozen since the follower confirmed; called right after a freeze too. */
export async function notifyNewEditions(db: Database, publicUrl: string) {
  const [latest] = await frozenEditions(db, { limit: 1 })
  if (!latest) return 0
  let queued = 0
  for (const follower of await confirmedFollowers(db, lt(subscriptions.editionsThrough, latest.number))) {
    const missed = (await frozenEditions(db, { after: follower.editionsThrough })).reverse()
    for (const edition of missed) {
      const unsubscribe = await unsubscribeUrl(db, publicUrl, follower.linkId)
      const sent = await db.transaction(async (tx) => {
        const claimed = await tx
          .update(subscriptions)
          .set({ editionsThrough: edition.number })
          .where(and(eq(subscriptions.id, follower.id), lt(subscriptions.editionsThrough, edition.number)))
          .returning({ id: subscriptions.id })
        if (claimed.length === 0) return false
        await sendMail(tx as unknown as Database, {
          to: follower.email,
          subject: `Editie ${edition.number} van de Handreiking Lokaal samenwerken is verschenen`,
          paragraphs: [
            'Beste lezer,',
            `Op ${dateFormat.format(edition.createdAt)} is editie ${edition.number} van de handreiking vastgelegd: de tekst van dat moment, met een pdf die niet meer verandert.`,
            ...(edition.note ? [`Over deze editie: ${edition.note}`] : []),
          ],
          links: [
            { label: `Wat er veranderde in editie ${edition.number}`, url: `${publicUrl}/edities/${edition.number}/wijzigingen` },
            { label: `Editie ${edition.number} als pdf`, url: `${publicUrl}/edities/${edition.number}.pdf` },
          ],
          unsubscribe,
        })
        return true
      })
      if (sent) queued++
    }
  }
  return queued
}

/** A digest for every follower whose last one is a week old (or who has had none), when anything in their scope was published since. */
async function sendDigests(db: Database, publicUrl: string, now: Date) {
  const due = await confirmedFollowers(db, or(isNull(subscriptions.lastDigestAt), lte(subscriptions.lastDigestAt, new Date(now.getTime() - digestIntervalMs))))
  if (due.length === 0) return 0
  const earliest = new Date(Math.min(...due.map((follower) => follower.digestThrough.getTime())))
  const changes = await publishedChanges(db, { after: earliest, through: now })
  if (changes.length === 0) return 0
  const chapterIds = new Map<number, Set<number>>()
  let queued = 0
  for (const follower of due) {
    if (follower.sectionId !== null && !chapterIds.has(follower.sectionId)) chapterIds.set(follower.sectionId, new Set(await chapterSectionIds(db, follower.sectionId)))
    const inScope = follower.sectionId === null ? () => true : (change: PublishedChange) => chapterIds.get(follower.sectionId!)!.has(change.sectionId)
    const own = changes.filter((change) => change.publishedAt > follower.digestThrough && inScope(change))
    if (own.length === 0) continue
    const unsubscribe = await unsubscribeUrl(db, publicUrl, follower.linkId)
    const sent = await db.transaction(async (tx) => {
      const claimed = await tx
        .update(subscriptions)
        .set({ digestThrough: now, lastDigestAt: now })
        .where(and(eq(subscriptions.id, follower.id), eq(subscriptions.digestThrough, follower.digestThrough)))
        .returning({ id: subscriptions.id })
      if (claimed.length === 0) return false
      await sendMail(tx as unknown as Database, digestMail(follower, own, publicUrl, unsubscribe))
      return true
    })
    if (sent) queued++
  }
  return queued
}

/** Per section once (its latest publication), in reading order of the newest first. */
function digestMail(follower: Follower, changes: PublishedChange[], publicUrl: string, unsubscribe: string) {
  const latestPerSection = new Map<number, { change: PublishedChange; summaries: string[] }>()
  for (const change of changes) {
    const entry = latestPerSection.get(change.sectionId) ?? { change, summaries: [] }
    if (change.summary && !entry.summaries.includes(change.summary)) entry.summaries.push(change.summary)
    latestPerSection.set(change.sectionId, entry)
  }
  const scope = scopeLabel(follower.chapter)
  return {
    to: follower.email,
    subject: follower.chapter ? `Wijzigingen in ${scope} (Handreiking Lokaal samenwerken)` : 'Wijzigingen in de Handreiking Lokaal samenwerken',
    paragraphs: [
      'Beste lezer,',
      `Sinds ${dateFormat.format(follower.digestThrough)} is er in ${scope} het volgende veranderd:`,
    ],
    links: [...latestPerSection.values()].map(({ change, summaries }) => ({
      label: `${change.number ? `${change.number} ` : ''}${change.title} (${dateFormat.format(change.publishedAt)})${summaries.length > 0 ? `: ${summaries.join('; ')}` : ''}`,
      url: `${publicUrl}/handreiking/${change.slug}`,
    })),
    link: { label: 'Alles wat veranderde sinds de laatste editie', url: `${publicUrl}/wijzigingen` },
    unsubscribe,
  }
}
