import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { emailField, parseForm, rejected } from '#app/utils/forms'
import { requestPasswordReset } from '#server/auth/accounts'
import { CheckYourMail } from '#app/components/check-your-mail'

export const meta: MetaFunction = () => [{ title: `Wachtwoord vergeten — ${site.title}` }]

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(z.object({ email: emailField }), await request.formData())
  if (!form.ok) return rejected(form)
  await requestPasswordReset(context.db, { email: form.data.email, publicUrl: context.publicUrl, clientKey: context.clientKey })
  // The same answer whether or not the address has an account: nobody learns who is a member.
  return { ok: true as const, email: form.data.email }
}

export default function ForgotPasswordPage() {
  const result = useActionData<typeof action>()
  if (result?.ok) {
    return (
      <CheckYourMail>
        Als er een account is met het adres <strong>{result.email}</strong>, hebben we daar een link naartoe gestuurd om een nieuw
        wachtwoord te kiezen. De link is 1 uur geldig.
      </CheckYourMail>
    )
  }
  return (
    <div className="page page--narrow">
      <h1>Wachtwoord vergeten</h1>
      <p>Vul het e-mailadres van uw account in. U krijgt een link om een nieuw wachtwoord te kiezen.</p>
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={result?.errors} />
        <Field label="E-mailadres" name="email" type="email" autoComplete="email" required defaultValue={result?.values.email} error={result?.errors.email} />
        <SubmitButton>Stuur de link</SubmitButton>
      </Form>
    </div>
  )
}
