import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { formFailure, nameField, parseForm, rejected } from '#app/utils/forms'
import { newPasswordSchema } from '#app/utils/password-schema.server'
import { acceptInvitation, findInvitation } from '#server/auth/accounts'
import { sessionCookie } from '#server/auth/cookies'
import { roleLabels } from '#server/auth/permissions'

export const meta: MetaFunction = () => [{ title: `Uitnodiging aannemen — ${site.title}` }, { name: 'robots', content: 'noindex' }]

export async function loader({ params, context }: LoaderFunctionArgs) {
  const invitation = await findInvitation(context.db, params.token ?? '')
  return invitation ? { valid: true as const, email: invitation.user.email, role: roleLabels[invitation.user.role] } : { valid: false as const }
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const invitation = await findInvitation(context.db, params.token ?? '')
  if (!invitation) return rejected(formFailure({ form: 'Deze uitnodiging is verlopen of al gebruikt.' }))
  const schema = newPasswordSchema({ name: nameField }, (data) => ({ email: invitation.user.email, name: data.name }))
  const form = parseForm(schema, await request.formData())
  if (!form.ok) return rejected(form)
  const session = await acceptInvitation(context.db, {
    token: params.token ?? '',
    name: form.data.name,
    password: form.data.password,
    userAgent: request.headers.get('User-Agent') ?? '',
  })
  if (!session) return rejected(formFailure({ form: 'Deze uitnodiging is verlopen of al gebruikt.' }))
  throw redirect('/account?welkom=1', { headers: { 'Set-Cookie': sessionCookie(session.token) } })
}

export default function InvitationPage() {
  const invitation = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const errors = failure?.errors ?? {}
  if (!invitation.valid) {
    return (
      <div className="page page--narrow">
        <h1>Uitnodiging niet meer geldig</h1>
        <p>Deze link is verlopen of al gebruikt. Een uitnodiging is 7 dagen geldig en werkt één keer.</p>
        <p>Vraag de redacteur die u uitnodigde om een nieuwe uitnodiging, of <Link to="/inloggen">log in</Link> als u uw account al hebt.</p>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      <h1>Welkom bij de handreiking</h1>
      <p>
        U bent uitgenodigd als <strong>{invitation.role}</strong> met het e-mailadres <strong>{invitation.email}</strong>. Kies uw naam en
        een wachtwoord.
      </p>
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={failure?.errors} />
        <Field label="Naam" name="name" autoComplete="name" required defaultValue={failure?.values.name} error={errors.name} hint="Zo zien andere netwerkleden u als u meeschrijft." />
        <input type="hidden" name="username" autoComplete="username" value={invitation.email} />
        <Field label="Wachtwoord" name="password" type="password" autoComplete="new-password" required error={errors.password} hint="Minstens 10 tekens. Een zin van een paar woorden is sterk en goed te onthouden." />
        <Field label="Herhaal het wachtwoord" name="passwordRepeat" type="password" autoComplete="new-password" required error={errors.passwordRepeat} />
        <SubmitButton>Account aanmaken</SubmitButton>
      </Form>
    </div>
  )
}
