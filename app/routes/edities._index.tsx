import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { PdfLink } from '#app/components/pdf-link'
import { SubmitButton } from '#app/components/submit-button'
import { formatDate, site } from '#app/site'
import { parseForm, rejected } from '#app/utils/forms'
import { requirePermission } from '#server/auth/guards'
import { can } from '#server/auth/permissions'
import { notifyNewEditions } from '#server/follow/digest'
import { logger } from '#server/logger'
import { allEditionCredits, creditLine } from '#server/handbook/edition-changes'
import { listEditions } from '#server/pdf/editions'

export const meta: MetaFunction = () => [{ title: `Edities — ${site.title}` }]

export async function loader({ context }: LoaderFunctionArgs) {
  const [editions, credits] = await Promise.all([listEditions(context.db), allEditionCredits(context.db)])
  return { editions: editions.map((edition) => ({ ...edition, credits: creditLine(credits.get(edition.number) ?? { names: [], visitors: 0 }) })), pdf: context.pdf.currentEditionFacts(), canFreeze: can(context.authentication?.user ?? null, 'edition:freeze') }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const editor = requirePermission(context, request, 'edition:freeze')
  const form = parseForm(z.object({ note: z.string().trim().min(3, 'Schrijf in een zin wat deze editie bijzonder maakt.').max(300, 'Houd de notitie korter dan 300 tekens.') }), await request.formData())
  if (!form.ok) return rejected(form)
  const edition = await context.pdf.freezeEdition(editor, form.data.note, context.publicUrl)
  // Followers hear of it now; the hourly job catches up if this fails halfway.
  await notifyNewEditions(context.db, context.publicUrl).catch((error) => logger.error({ err: error }, 'mailing followers about the edition failed'))
  return { frozen: edition.number }
}

export default function EditionsPage() {
  const { editions, pdf, canFreeze } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  return (
    <div className="page page--narrow">
      <h1>Edities</h1>
      <p>
        De handreiking groeit: de tekst op de website is altijd de nieuwste. Een <strong>editie</strong> legt de tekst van één moment
        vast, zodat netwerken ernaar kunnen verwijzen (“zie editie 3”). De pdf van een editie verandert nooit meer.
      </p>
      <p>
        <PdfLink className="button" href="/handreiking.pdf" label="Download de huidige tekst" facts={pdf} />
      </p>
      <p>
        <Link to="/wijzigingen">{editions.length > 0 ? `Wat is er veranderd sinds editie ${editions[0].number}` : 'Wat staat er nog niet in een editie'}</Link> (nog niet in een editie)
      </p>
      {result && 'frozen' in result ? (
        <p role="status" className="notice">
          {`Editie ${String(result.frozen)} is vastgelegd.`}
        </p>
      ) : null}
      <h2>Vastgelegde edities</h2>
      {editions.length === 0 ? <p>Er is nog geen editie vastgelegd.</p> : null}
      <ul className="editions">
        {editions.map((edition) => (
          <li key={edition.number}>
            <PdfLink href={`/edities/${edition.number}.pdf`} label={`Editie ${edition.number}`} facts={edition} /> — {formatDate(edition.createdAt)}
            {edition.note ? <p className="muted">{edition.note}</p> : null}
            <p>
              <Link to={`/edities/${edition.number}/wijzigingen`}>Wat is er veranderd in editie {edition.number}</Link>
              {edition.credits ? ` · Met bijdragen van ${edition.credits}` : ''}
            </p>
          </li>
        ))}
      </ul>
      {canFreeze ? (
        <section aria-labelledby="vastleggen">
          <h2 id="vastleggen">Editie vastleggen</h2>
          <p>Legt de laatst gepubliceerde tekst van elke paragraaf vast als editie {editions.length > 0 ? editions[0].number + 1 : 1}, met een pdf die niet meer verandert.</p>
          <Form method="post" className="form" noValidate>
            <ErrorSummary errors={result && 'errors' in result ? result.errors : undefined} />
            <Field label="Notitie bij deze editie" name="note" required maxLength={300} defaultValue={result && 'values' in result ? result.values.note : undefined} error={result && 'errors' in result ? result.errors.note : undefined} />
            <SubmitButton>Editie vastleggen</SubmitButton>
          </Form>
        </section>
      ) : null}
    </div>
  )
}
