import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { confirmSubscription, findConfirmation } from '#server/follow/subscriptions'

export const meta: MetaFunction = () => [{ title: `Volgen bevestigen — ${site.title}` }, { name: 'robots', content: 'noindex' }]

// Opening the link only shows a button: a mail scanner that follows links does not subscribe anyone.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const found = await findConfirmation(context.db, params.token ?? '')
  return { scope: found?.scope ?? null }
}

export async function action({ params, context }: ActionFunctionArgs) {
  const confirmed = await confirmSubscription(context.db, params.token ?? '')
  return { confirmed: confirmed?.scope ?? null }
}

export default function ConfirmFollowingPage() {
  const { scope } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  if (result) {
    return (
      <div className="page page--narrow">
        {result.confirmed ? (
          <>
            <h1>U volgt nu de wijzigingen</h1>
            <p role="status">
              U krijgt hoogstens één keer per week een e-mail over wat er veranderd is in {result.confirmed}, en een bericht bij elke nieuwe editie. In elke
              e-mail staat een link om u af te melden.
            </p>
          </>
        ) : (
          <LinkExpired />
        )}
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      {scope ? (
        <>
          <h1>Volgen bevestigen</h1>
          <p>Wilt u wijzigingen in {scope} volgen? Dan krijgt u hoogstens één keer per week een e-mail, en een bericht bij elke nieuwe editie.</p>
          <Form method="post">
            <SubmitButton>Ja, ik wil de wijzigingen volgen</SubmitButton>
          </Form>
        </>
      ) : (
        <LinkExpired />
      )}
    </div>
  )
}

function LinkExpired() {
  return (
    <>
      <h1>Link niet meer geldig</h1>
      <p>
        Deze bevestigingslink is verlopen of al gebruikt. <Link to="/volgen">Meld u opnieuw aan</Link> als u de wijzigingen wilt volgen.
      </p>
    </>
  )
}
