import { desc, eq } from 'drizzle-orm'
import type { Transporter } from 'nodemailer'
import type { Database } from '#server/db/client'
import { outbox } from '#server/db/schema'
import { logger } from '#server/logger'
import { escapeHtml } from '#server/escape-html'

export type Mail = { to: string; subject: string; paragraphs: string[]; link?: { label: string; url: string } }

let transport: Promise<Transporter | null> | undefined

function smtpTransport() {
  transport ??= process.env.SMTP_URL
    ? import('nodemailer').then((nodemailer) => nodemailer.createTransport(process.env.SMTP_URL))
    : Promise.resolve(null)
  return transport
}

const from = () => process.env.MAIL_FROM ?? 'Handreiking Lokaal samenwerken <noreply@localhost>'

/**
 * Every mail is written to the outbox first. With SMTP_URL it is then sent;
 * without, it stays in the outbox (admins read it at /beheer/outbox) and is
 * logged, so every flow works on a fresh machine.
 */
export async function sendMail(db: Database, mail: Mail) {
  const text = mailText(mail)
  const html = mailHtml(mail)
  const [row] = await db.insert(outbox).values({ to: mail.to, subject: mail.subject, text, html }).returning({ id: outbox.id })
  const smtp = await smtpTransport()
  if (!smtp) {
    logger.info({ outboxId: row.id, subject: mail.subject, text }, 'mail stored in outbox (no SMTP_URL)')
    return
  }
  try {
    await smtp.sendMail({ from: from(), to: mail.to, subject: mail.subject, text, html })
    await db.update(outbox).set({ sentAt: new Date() }).where(eq(outbox.id, row.id))
  } catch (error) {
    logger.error({ err: error, outboxId: row.id }, 'sending mail failed')
    await db.update(outbox).set({ error: String(error) }).where(eq(outbox.id, row.id))
  }
}

const signature = 'Met vriendelijke groet,\nde redactie van de Handreiking Lokaal samenwerken'

function mailText(mail: Mail) {
  const link = mail.link ? [`${mail.link.label}:\n${mail.link.url}`] : []
  return [...mail.paragraphs, ...link, signature].join('\n\n')
}

function mailHtml(mail: Mail) {
  const paragraphs = mail.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
  const link = mail.link ? [`<p><a href="${escapeHtml(mail.link.url)}">${escapeHtml(mail.link.label)}</a></p>`] : []
  return `<!DOCTYPE html><html lang="nl"><body>${[...paragraphs, ...link, `<p>${escapeHtml(signature).replace('\n', '<br>')}</p>`].join('')}</body></html>`
}


export async function listOutbox(db: Database, limit = 100) {
  return db.select().from(outbox).orderBy(desc(outbox.id)).limit(limit)
}
