import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { site } from '#app/site'
import { confirmEmailChange } from '#server/auth/accounts'

export const meta: MetaFunction = () => [{ title: `E-mailadres bevestigen — ${site.title}` }, { name: 'robots', content: 'noindex' }]

// Opening the link from the mail is the confirmation; it works once.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const changed = await confirmEmailChange(context.db, params.token ?? '')
  return { email: changed?.email ?? null }
}

export default function ConfirmEmailPage() {
  const { email } = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      {email ? (
        <>
          <h1>E-mailadres bevestigd</h1>
          <p>Uw account gebruikt nu het adres {email}.</p>
        </>
      ) : (
        <>
          <h1>Link niet meer geldig</h1>
          <p>Deze bevestigingslink is verlopen of al gebruikt.</p>
        </>
      )}
      <p>
        <Link to="/account">Naar mijn account</Link>
      </p>
    </div>
  )
}
