import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { emailField, formFailure, parseForm, rejected, safeRedirect } from '#app/utils/forms'
import { logIn } from '#server/auth/accounts'
import { sessionCookie } from '#server/auth/cookies'

export const meta: MetaFunction = () => [{ title: `Inloggen — ${site.title}` }]

const loginSchema = z.object({
  email: emailField,
  password: z.string({ required_error: 'Vul uw wachtwoord in.' }).min(1, 'Vul uw wachtwoord in.'),
  redirectTo: z.string().optional(),
})

export function loader({ context, request }: LoaderFunctionArgs) {
  if (context.authentication) throw redirect(safeRedirect(new URL(request.url).searchParams.get('redirectTo')))
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(loginSchema, await request.formData())
  if (!form.ok) return rejected(form)
  const result = await logIn(context.db, {
    email: form.data.email,
    password: form.data.password,
    clientKey: context.clientKey,
    userAgent: request.headers.get('User-Agent') ?? '',
  })
  if (result.outcome === 'throttled') {
    return rejected(formFailure({ form: 'Te veel mislukte pogingen. Wacht een kwartier en probeer het dan opnieuw, of vraag een nieuw wachtwoord aan.' }, form.data))
  }
  if (result.outcome === 'invalid') {
    return rejected(formFailure({ form: 'Dit e-mailadres en wachtwoord horen niet bij elkaar. Controleer ze en probeer het opnieuw.' }, form.data))
  }
  throw redirect(safeRedirect(form.data.redirectTo), { headers: { 'Set-Cookie': sessionCookie(result.token) } })
}

export default function LoginPage() {
  const failure = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const errors = failure?.errors ?? {}
  return (
    <div className="page page--narrow">
      <h1>Inloggen</h1>
      <p>Voor netwerkleden, redacteuren en beheerders. Om te lezen, te zoeken of een tip te geven hoeft u niet in te loggen.</p>
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={failure?.errors} />
        <input type="hidden" name="redirectTo" value={safeRedirect(searchParams.get('redirectTo'), '')} />
        <Field label="E-mailadres" name="email" type="email" autoComplete="username" required defaultValue={failure?.values.email} error={errors.email} />
        <Field label="Wachtwoord" name="password" type="password" autoComplete="current-password" required error={errors.password} />
        <SubmitButton>Inloggen</SubmitButton>
      </Form>
      <p>
        <Link to="/wachtwoord-vergeten">Wachtwoord vergeten?</Link>
      </p>
    </div>
  )
}
