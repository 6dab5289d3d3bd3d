import { redirect, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form } from '@remix-run/react'
import { site } from '#app/site'
import { endSession } from '#server/auth/accounts'
import { expiredSessionCookie } from '#server/auth/cookies'

export const meta: MetaFunction = () => [{ title: `Uitloggen — ${site.title}` }]

export async function action({ context }: ActionFunctionArgs) {
  if (context.authentication) await endSession(context.db, context.events, context.authentication.session.id)
  throw redirect('/', { headers: { 'Set-Cookie': expiredSessionCookie() } })
}

// Logging out changes state, so it is a POST; a plain visit shows the button.
export default function LogoutPage() {
  return (
    <div className="page page--narrow">
      <h1>Uitloggen</h1>
      <Form method="post">
        <button type="submit">Uitloggen</button>
      </Form>
    </div>
  )
}
