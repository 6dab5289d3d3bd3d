import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { findByUnsubscribeToken, unsubscribe } from '#server/follow/subscriptions'

export const meta: MetaFunction = () => [{ title: `Afmelden — ${site.title}` }, { name: 'robots', content: 'noindex' }]

// The link from any mail to a follower; no sign-in. Opening it asks, the button removes.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const found = await findByUnsubscribeToken(context.db, params.token ?? '')
  return { scope: found?.scope ?? null }
}

export async function action({ params, context }: ActionFunctionArgs) {
  await unsubscribe(context.db, params.token ?? '')
  // Done, or done before (a second click): either way this address gets nothing more.
  return { done: true }
}

export default function UnsubscribePage() {
  const { scope } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  if (result?.done) {
    return (
      <div className="page page--narrow">
        <h1>U bent afgemeld</h1>
        <p role="status">U krijgt geen e-mail meer over wijzigingen. Uw e-mailadres is gewist.</p>
        <p>
          <Link to="/">Naar de handreiking</Link>
        </p>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      {scope ? (
        <>
          <h1>Afmelden</h1>
          <p>Wilt u geen e-mail meer over wijzigingen in {scope}? Na afmelden wissen we uw e-mailadres.</p>
          <Form method="post">
            <SubmitButton>Afmelden</SubmitButton>
          </Form>
        </>
      ) : (
        <>
          <h1>U bent al afgemeld</h1>
          <p>
            Bij deze link hoort geen aanmelding meer: u krijgt geen e-mail over wijzigingen. Wilt u toch volgen? <Link to="/volgen">Meld u opnieuw aan</Link>.
          </p>
        </>
      )}
    </div>
  )
}
