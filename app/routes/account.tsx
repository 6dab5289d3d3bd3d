import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { formatDateTime, site } from '#app/site'
import { emailField, formFailure, nameField, parseForm, rejected } from '#app/utils/forms'
import { newPasswordSchema } from '#app/utils/password-schema.server'
import { changeName, changePassword, endSession, endUserSessions, requestEmailChange } from '#server/auth/accounts'
import { expiredSessionCookie } from '#server/auth/cookies'
import { requirePermission } from '#server/auth/guards'
import { roleLabels } from '#server/auth/permissions'
import { listUserSessions } from '#server/auth/sessions'

export const meta: MetaFunction = () => [{ title: `Mijn account — ${site.title}` }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requirePermission(context, request, 'account:manage')
  const currentSessionId = context.authentication!.session.id
  const sessions = await listUserSessions(context.db, user.id)
  return {
    user: { ...user, roleLabel: roleLabels[user.role] },
    sessions: sessions.map((session) => ({ ...session, current: session.id === currentSessionId, id: session.id.slice(0, 8) })),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requirePermission(context, request, 'account:manage')
  const session = context.authentication!.session
  const formData = await request.formData()
  const intent = formData.get('intent')

  if (intent === 'name') {
    const form = parseForm(z.object({ name: nameField }), formData)
    if (!form.ok) return rejected({ intent, ...form })
    await changeName(context.db, user.id, form.data.name)
    return { intent, ok: true as const, message: 'Uw naam is opgeslagen.' }
  }
  if (intent === 'email') {
    const form = parseForm(z.object({ email: emailField }), formData)
    if (!form.ok) return rejected({ intent, ...form })
    const result = await requestEmailChange(context.db, { user, newEmail: form.data.email, publicUrl: context.publicUrl })
    if (result.outcome === 'taken') return rejected({ intent, ...formFailure({ email: 'Dit e-mailadres hoort al bij een ander account.' }, form.data) })
    return { intent, ok: true as const, message: `We stuurden een bevestigingslink naar ${form.data.email}. Uw adres verandert zodra u die gebruikt.` }
  }
  if (intent === 'password') {
    const schema = newPasswordSchema({ currentPassword: z.string().min(1, 'Vul uw huidige wachtwoord in.') }, () => ({ email: user.email, name: user.name }))
    const form = parseForm(schema, formData)
    if (!form.ok) return rejected({ intent, ...form })
    const changed = await changePassword(context.db, context.events, { userId: user.id, currentSessionId: session.id, currentPassword: form.data.currentPassword, newPassword: form.data.password })
    if (!changed) return rejected({ intent, ...formFailure({ currentPassword: 'Dit is niet uw huidige wachtwoord.' }) })
    return { intent, ok: true as const, message: 'Uw wachtwoord is gewijzigd. U bent op uw andere apparaten uitgelogd.' }
  }
  if (intent === 'end-session') {
    const prefix = String(formData.get('session') ?? '')
    const sessions = await listUserSessions(context.db, user.id)
    const target = sessions.find((item) => prefix.length === 8 && item.id.startsWith(prefix))
    if (target) await endSession(context.db, context.events, target.id)
    if (target?.id === session.id) throw redirect('/', { headers: { 'Set-Cookie': expiredSessionCookie() } })
    return { intent, ok: true as const, message: 'De sessie is beëindigd.' }
  }
  if (intent === 'end-other-sessions') {
    await endUserSessions(context.db, context.events, user.id, session.id)
    return { intent, ok: true as const, message: 'U bent overal uitgelogd behalve hier.' }
  }
  throw new Response('Onbekende actie', { status: 400 })
}

export default function AccountPage() {
  const { user, sessions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const errorsFor = (intent: string) => (result?.intent === intent && 'errors' in result ? result.errors : {})
  const valuesFor = (intent: string) => (result?.intent === intent && 'values' in result ? result.values : {})
  const messageFor = (intent: string) =>
    result?.intent === intent && 'message' in result ? (
      <p role="status" className="notice">
        {result.message}
      </p>
    ) : null
  return (
    <div className="page page--narrow">
      <h1>Mijn account</h1>
      {searchParams.get('welkom') ? <p className="notice">Welkom, {user.name}! Uw account is klaar.</p> : null}
      {searchParams.get('wachtwoord') ? <p className="notice">Uw nieuwe wachtwoord is opgeslagen.</p> : null}
      <p>
        U bent ingelogd als <strong>{user.email}</strong> ({user.roleLabel}).
      </p>

      <h2>Naam</h2>
      <Form method="post" className="form" noValidate>
        {messageFor('name')}
        <ErrorSummary errors={errorsFor('name')} />
        <input type="hidden" name="intent" value="name" />
        <Field label="Naam" name="name" autoComplete="name" required defaultValue={valuesFor('name').name ?? user.name} error={errorsFor('name').name} />
        <SubmitButton>Naam opslaan</SubmitButton>
      </Form>

      <h2>E-mailadres</h2>
      <Form method="post" className="form" noValidate>
        {messageFor('email')}
        <ErrorSummary errors={errorsFor('email')} />
        <input type="hidden" name="intent" value="email" />
        <Field label="Nieuw e-mailadres" name="email" type="email" autoComplete="email" required defaultValue={valuesFor('email').email} error={errorsFor('email').email} hint="U krijgt een link op het nieuwe adres; pas daarna verandert het." />
        <SubmitButton>Bevestigingslink sturen</SubmitButton>
      </Form>

      <h2>Wachtwoord</h2>
      <Form method="post" className="form" noValidate>
        {messageFor('password')}
        <ErrorSummary errors={errorsFor('password')} />
        <input type="hidden" name="intent" value="password" />
        <input type="hidden" name="username" autoComplete="username" value={user.email} />
        <Field label="Huidig wachtwoord" name="currentPassword" type="password" autoComplete="current-password" required error={errorsFor('password').currentPassword} />
        <Field label="Nieuw wachtwoord" name="password" type="password" autoComplete="new-password" required error={errorsFor('password').password} hint="Minstens 10 tekens." />
        <Field label="Herhaal het nieuwe wachtwoord" name="passwordRepeat" type="password" autoComplete="new-password" required error={errorsFor('password').passwordRepeat} />
        <SubmitButton>Wachtwoord wijzigen</SubmitButton>
      </Form>

      <h2>Waar u bent ingelogd</h2>
      {messageFor('end-session') ?? messageFor('end-other-sessions')}
      <table className="table">
        <caption className="visually-hidden">Uw sessies</caption>
        <thead>
          <tr>
            <th scope="col">Apparaat</th>
            <th scope="col">Laatst gebruikt</th>
            <th scope="col">
              <span className="visually-hidden">Actie</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id}>
              <td>
                {describeDevice(session.userAgent)}
                {session.current ? <strong> (dit apparaat)</strong> : null}
              </td>
              <td>{formatDateTime(session.lastVerifiedAt)}</td>
              <td>
                <Form method="post">
                  <input type="hidden" name="intent" value="end-session" />
                  <input type="hidden" name="session" value={session.id} />
                  <button type="submit" className="button--small">
                    {session.current ? 'Uitloggen' : 'Beëindigen'}
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post">
        <input type="hidden" name="intent" value="end-other-sessions" />
        <button type="submit" className="button--secondary">Overal uitloggen behalve hier</button>
      </Form>
    </div>
  )
}

function describeDevice(userAgent: string) {
  const browser = /Firefox\//.test(userAgent) ? 'Firefox' : /Edg\//.test(userAgent) ? 'Edge' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Onbekende browser'
  const system = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : ''
  return system ? `${browser} op ${system}` : browser
}
