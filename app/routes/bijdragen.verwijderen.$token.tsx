import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { site } from '#app/site'
import { findSubmissionByToken, removeSubmissionByToken } from '#server/contributions/retention'

export const meta: MetaFunction = () => [{ title: `Bijdrage verwijderen — ${site.title}` }, { name: 'robots', content: 'noindex' }]

export async function loader({ params, context }: LoaderFunctionArgs) {
  const found = await findSubmissionByToken(context.db, params.token ?? '')
  return { found: found ? { kind: found.kind, text: found.text.slice(0, 300) } : null }
}

// Deleting is a POST behind a button, so a mail scanner opening the link deletes nothing.
export async function action({ params, context }: ActionFunctionArgs) {
  return { removed: await removeSubmissionByToken(context.db, context.storage, params.token ?? '') }
}

export default function RemoveSubmissionPage() {
  const { found } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  if (result?.removed) {
    return (
      <div className="page page--narrow">
        <h1>Verwijderd</h1>
        <p role="status">Uw bijdrage is verwijderd, met alles wat we ervan bewaarden.</p>
      </div>
    )
  }
  if (!found) {
    return (
      <div className="page page--narrow">
        <h1>Niet gevonden</h1>
        <p>Deze bijdrage bestaat niet (meer). Misschien is ze al verwijderd.</p>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      <h1>Bijdrage verwijderen</h1>
      <p>Wilt u deze {found.kind === 'example' ? 'goed voorbeeld, met de bestanden,' : 'bijdrage'} definitief verwijderen?</p>
      <blockquote className="quote">
        <p>{found.text}</p>
      </blockquote>
      <Form method="post">
        <button type="submit">Ja, verwijderen</button>
      </Form>
    </div>
  )
}
