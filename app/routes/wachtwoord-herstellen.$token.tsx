import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { formFailure, parseForm, rejected } from '#app/utils/forms'
import { newPasswordSchema } from '#app/utils/password-schema.server'
import { findPasswordReset, resetPassword } from '#server/auth/accounts'
import { sessionCookie } from '#server/auth/cookies'

export const meta: MetaFunction = () => [{ title: `Nieuw wachtwoord kiezen — ${site.title}` }, { name: 'robots', content: 'noindex' }]

export async function loader({ params, context }: LoaderFunctionArgs) {
  const reset = await findPasswordReset(context.db, params.token ?? '')
  return reset ? { valid: true as const, email: reset.user.email } : { valid: false as const }
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const reset = await findPasswordReset(context.db, params.token ?? '')
  if (!reset) return rejected(formFailure({ form: 'Deze link is verlopen of al gebruikt. Vraag een nieuwe aan.' }))
  const form = parseForm(newPasswordSchema({}, () => ({ email: reset.user.email, name: reset.user.name })), await request.formData())
  if (!form.ok) return rejected(form)
  const session = await resetPassword(context.db, context.events, { token: params.token ?? '', password: form.data.password, userAgent: request.headers.get('User-Agent') ?? '' })
  if (!session) return rejected(formFailure({ form: 'Deze link is verlopen of al gebruikt. Vraag een nieuwe aan.' }))
  throw redirect('/account?wachtwoord=nieuw', { headers: { 'Set-Cookie': sessionCookie(session.token) } })
}

export default function ResetPasswordPage() {
  const reset = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const errors = failure?.errors ?? {}
  if (!reset.valid) {
    return (
      <div className="page page--narrow">
        <h1>Link niet meer geldig</h1>
        <p>Deze link is verlopen of al gebruikt. Een link voor een nieuw wachtwoord is 1 uur geldig en werkt één keer.</p>
        <p>
          <Link to="/wachtwoord-vergeten">Vraag een nieuwe link aan</Link>
        </p>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      <h1>Nieuw wachtwoord kiezen</h1>
      <p>Voor het account {reset.email}. Na het opslaan wordt u op alle andere apparaten uitgelogd.</p>
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={failure?.errors} />
        <input type="hidden" name="username" autoComplete="username" value={reset.email} />
        <Field label="Nieuw wachtwoord" name="password" type="password" autoComplete="new-password" required error={errors.password} hint="Minstens 10 tekens." />
        <Field label="Herhaal het wachtwoord" name="passwordRepeat" type="password" autoComplete="new-password" required error={errors.passwordRepeat} />
        <SubmitButton>Wachtwoord opslaan</SubmitButton>
      </Form>
    </div>
  )
}
