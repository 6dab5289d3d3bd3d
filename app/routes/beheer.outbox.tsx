import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { formatDateTime, site } from '#app/site'
import { requirePermission } from '#server/auth/guards'
import { listOutbox } from '#server/mail/mailer'

export const meta: MetaFunction = () => [{ title: `Outbox — ${site.title}` }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  requirePermission(context, request, 'outbox:read')
  return { mails: await listOutbox(context.db), publicUrl: context.publicUrl, publicUrlIsDefault: context.publicUrlIsDefault }
}

export default function OutboxPage() {
  const { mails, publicUrl, publicUrlIsDefault } = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <h1>Outbox</h1>
      {publicUrlIsDefault ? (
        <p className="notice" role="status">
          Let op: het adres van de site is niet ingesteld (PUBLIC_URL). Links in e-mails wijzen daarom naar {publicUrl} en werken alleen op deze computer. Stel
          PUBLIC_URL in op het adres dat bezoekers gebruiken, bijvoorbeeld https://lokaalsamenwerken.nl, en start de site opnieuw.
        </p>
      ) : null}
      <p>De laatste 100 e-mails die de site maakte. Met een SMTP-server (SMTP_URL) worden ze op de achtergrond verstuurd; zonder blijven ze hier staan. Het serverlog noemt alleen het onderwerp, nooit de links.</p>
      {mails.length === 0 ? <p>Er is nog geen e-mail.</p> : null}
      {mails.map((mail) => (
        <article key={mail.id} className="card mail">
          <h2 className="card__title">{mail.subject}</h2>
          <p className="card__meta">
            Aan {mail.to} · {formatDateTime(mail.createdAt)} · {mail.sentAt ? 'verstuurd' : mail.error ? `niet verstuurd: ${mail.error}` : 'nog niet verstuurd'}
          </p>
          <pre className="mail__text">{mail.text}</pre>
        </article>
      ))}
    </div>
  )
}
