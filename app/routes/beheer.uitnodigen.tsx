import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field, FieldFrame } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { site } from '#app/site'
import { formFailure, otherPersonsEmailField, parseForm, rejected } from '#app/utils/forms'
import { inviteUser } from '#server/auth/accounts'
import { requirePermission } from '#server/auth/guards'
import { can, invitableRoles, roleLabels } from '#server/auth/permissions'
import { roles } from '#server/db/schema'

export const meta: MetaFunction = () => [{ title: `Iemand uitnodigen — ${site.title}` }]

export function loader({ request, context }: LoaderFunctionArgs) {
  const user = requirePermission(context, request, 'user:invite')
  return { roles: invitableRoles(user).map((role) => ({ value: role, label: roleLabels[role] })) }
}

const inviteSchema = z.object({
  email: otherPersonsEmailField,
  role: z.enum(roles, { errorMap: () => ({ message: 'Kies een rol.' }) }),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requirePermission(context, request, 'user:invite')
  const form = parseForm(inviteSchema, await request.formData())
  if (!form.ok) return rejected(form)
  if (!can(user, 'user:invite', { role: form.data.role })) return rejected(formFailure({ role: 'Deze rol mag u niet toekennen.' }, form.data))
  const result = await inviteUser(context.db, { inviter: user, email: form.data.email, role: form.data.role, publicUrl: context.publicUrl })
  if (result.outcome === 'exists') return rejected(formFailure({ email: 'Er bestaat al een account met dit e-mailadres.' }, form.data))
  if (result.outcome === 'pending-higher-role') {
    return rejected(formFailure({ email: `Dit adres heeft al een openstaande uitnodiging als ${roleLabels[result.role]}. Alleen een beheerder kan die wijzigen; de uitnodiging blijft zoals ze is.` }, form.data))
  }
  return { ok: true as const, email: form.data.email }
}

export default function InvitePage() {
  const { roles } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && 'errors' in result ? result : undefined
  return (
    <div className="page page--narrow">
      <h1>Iemand uitnodigen</h1>
      <p>De uitgenodigde krijgt een e-mail met een link die 7 dagen geldig is en één keer werkt.</p>
      {result && 'email' in result && !failure ? (
        <p role="status" className="notice">
          De uitnodiging is verstuurd naar {result.email}.
        </p>
      ) : null}
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={failure?.errors} />
        <Field label="E-mailadres" name="email" type="email" autoComplete="off" required defaultValue={failure?.values.email} error={failure?.errors.email} />
        <FieldFrame label="Rol" name="role" error={failure?.errors.role}>
          {(control) => (
            <select {...control} name="role" defaultValue={failure?.values.role ?? 'member'}>
              {roles.map((role) => (
                <option key={role.value} value={role.value}>
                  {role.label}
                </option>
              ))}
            </select>
          )}
        </FieldFrame>
        <SubmitButton>Uitnodiging versturen</SubmitButton>
      </Form>
    </div>
  )
}
