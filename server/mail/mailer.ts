import { and, asc, desc, eq, isNull } from 'drizzle-orm'
import type { Transporter } from 'nodemailer'
import type { Database } from '#server/db/client'
import { outbox } from '#server/db/schema'
import { logger } from '#server/logger'
import { escapeHtml } from '#server/escape-html'

export type MailLink = { label: string; url: string }

/**
 * `links` is a list (a digest's changes); `unsubscribe` is the page that ends a
 * subscription: named at the foot of the mail and sent as List-Unsubscribe.
 */
export type Mail = { to: string; subject: string; paragraphs: string[]; links?: MailLink[]; link?: MailLink; unsubscribe?: string }

/**
 * Puts a mail in the outbox; the MailSender made in server/site.ts delivers it
 * in the background, so no request waits for (or reveals by its timing) SMTP work.
 * The log names the mail but never its text: links in mails carry secrets.
 */
export async function sendMail(db: Database, mail: Mail) {
  const [row] = await db
    .insert(outbox)
    .values({ to: mail.to, subject: mail.subject, text: mailText(mail), html: mailHtml(mail), listUnsubscribe: mail.unsubscribe ?? null })
    .returning({ id: outbox.id })
  logger.info({ outboxId: row.id, subject: mail.subject }, 'mail queued in the outbox (read it at /beheer/outbox)')
}

export type MailSenderOptions = { smtpUrl?: string; from?: string; pollIntervalMs?: number }

/**
 * Delivers queued mail over SMTP_URL, oldest first. Without SMTP_URL mails stay
 * in the outbox, where admins read them. Each mail is claimed with one
 * conditional update, so several processes never send the same mail twice.
 */
export class MailSender {
  private transport: Promise<Transporter> | null
  private readonly timer: NodeJS.Timeout | null
  private delivering: Promise<void> = Promise.resolve()
  private readonly from: string

  constructor(
    private readonly db: Database,
    options: MailSenderOptions,
  ) {
    this.from = options.from ?? 'Handreiking Lokaal samenwerken <noreply@localhost>'
    const smtpUrl = options.smtpUrl
    this.transport = smtpUrl ? import('nodemailer').then((nodemailer) => nodemailer.createTransport(smtpUrl)) : null
    if (!this.transport) logger.info('no SMTP_URL: mails stay in the outbox at /beheer/outbox')
    this.timer = this.transport ? setInterval(() => void this.deliverPending(), options.pollIntervalMs ?? 2000) : null
    this.timer?.unref()
  }

  /** Sends what is waiting; a run that is still busy is not started twice. */
  deliverPending() {
    this.delivering = this.delivering.then(() => this.deliverBatch()).catch((error) => logger.error({ err: error }, 'reading the outbox failed'))
    return this.delivering
  }

  async close() {
    if (this.timer) clearInterval(this.timer)
    await this.delivering
    const transport = await this.transport
    transport?.close()
    this.transport = null
  }

  private async deliverBatch() {
    if (!this.transport) return
    const waiting = await this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNull(outbox.error)))
      .orderBy(asc(outbox.id))
      .limit(20)
    for (const { id } of waiting) await this.deliver(id)
  }

  private async deliver(id: number) {
    // Claimed by marking it sent first: a crash mid-send loses one mail rather than sending it twice.
    const [mail] = await this.db
      .update(outbox)
      .set({ sentAt: new Date() })
      .where(and(eq(outbox.id, id), isNull(outbox.sentAt), isNull(outbox.error)))
      .returning()
    if (!mail || !this.transport) return
    try {
      const transport = await this.transport
      await transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, list: mail.listUnsubscribe ? { unsubscribe: mail.listUnsubscribe } : undefined })
      logger.info({ outboxId: id, subject: mail.subject }, 'mail sent')
    } catch (error) {
      logger.error({ err: error, outboxId: id }, 'sending mail failed')
      await this.db.update(outbox).set({ sentAt: null, error: String(error) }).where(eq(outbox.id, id))
    }
  }
}

const signature = 'Met vriendelijke groet,\nde redactie van de Handreiking Lokaal samenwerken'

const unsubscribeText = 'U krijgt deze e-mail omdat u zich hebt aangemeld voor wijzigingen in de handreiking. Afmelden kan zonder in te loggen'

function mailText(mail: Mail) {
  const links = mail.links?.length ? [mail.links.map((link) => `- ${link.label}\n  ${link.url}`).join('\n')] : []
  const link = mail.link ? [`${mail.link.label}:\n${mail.link.url}`] : []
  const unsubscribe = mail.unsubscribe ? [`${unsubscribeText}:\n${mail.unsubscribe}`] : []
  return [...mail.paragraphs, ...links, ...link, signature, ...unsubscribe].join('\n\n')
}

function mailHtml(mail: Mail) {
  const anchor = (link: MailLink) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>`
  const paragraphs = mail.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
  const links = mail.links?.length ? [`<ul>${mail.links.map((link) => `<li>${anchor(link)}</li>`).join('')}</ul>`] : []
  const link = mail.link ? [`<p>${anchor(mail.link)}</p>`] : []
  const unsubscribe = mail.unsubscribe ? [`<p><small>${escapeHtml(unsubscribeText)}: ${anchor({ label: 'afmelden', url: mail.unsubscribe })}.</small></p>`] : []
  return `<!DOCTYPE html><html lang="nl"><body>${[...paragraphs, ...links, ...link, `<p>${escapeHtml(signature).replace('\n', '<br>')}</p>`, ...unsubscribe].join('')}</body></html>`
}

export async function listOutbox(db: Database, limit = 100) {
  return db.select().from(outbox).orderBy(desc(outbox.id)).limit(limit)
}
