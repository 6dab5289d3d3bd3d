import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { formatDate, site } from '#app/site'
import { parseForm } from '#app/utils/forms'
import { changeRole, listUsers, resendInvitation, setDisabled } from '#server/auth/accounts'
import { requirePermission } from '#server/auth/guards'
import { can, roleLabels } from '#server/auth/permissions'
import { roles } from '#server/db/schema'
import { ScrollRegion } from '#app/components/scroll-region'

export const meta: MetaFunction = () => [{ title: `Gebruikers — ${site.title}` }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = requirePermission(context, request, 'user:manage')
  const search = new URL(request.url).searchParams.get('zoek')?.slice(0, 100) ?? ''
  const users = await listUsers(context.db, search)
  return {
    search,
    roles: roles.map((role) => ({ value: role, label: roleLabels[role] })),
    users: users.map((user) => ({ ...user, manageable: can(admin, 'user:manage', { userId: user.id }) })),
  }
}

const manageSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('role'), userId: z.coerce.number().int(), role: z.enum(roles) }),
  z.object({ intent: z.literal('disable'), userId: z.coerce.number().int() }),
  z.object({ intent: z.literal('enable'), userId: z.coerce.number().int() }),
  z.object({ intent: z.literal('resend'), userId: z.coerce.number().int() }),
])

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = requirePermission(context, request, 'user:manage')
  const form = parseForm(manageSchema, await request.formData())
  if (!form.ok) throw new Response('Ongeldig verzoek', { status: 400 })
  const { userId } = form.data
  if (!can(admin, 'user:manage', { userId })) return { message: 'U kunt uw eigen rol niet wijzigen en uzelf niet blokkeren.' }
  switch (form.data.intent) {
    case 'role':
      await changeRole(context.db, context.events, { actor: admin, userId, role: form.data.role })
      return { message: `De rol is gewijzigd in ${roleLabels[form.data.role]}.` }
    case 'disable':
      await setDisabled(context.db, context.events, { actor: admin, userId, disabled: true })
      return { message: 'Het account is geblokkeerd; alle sessies zijn beëindigd.' }
    case 'enable':
      await setDisabled(context.db, context.events, { actor: admin, userId, disabled: false })
      return { message: 'Het account is weer actief.' }
    case 'resend':
      return { message: (await resendInvitation(context.db, { actor: admin, userId, publicUrl: context.publicUrl })) ? 'De uitnodiging is opnieuw verstuurd.' : 'Dit account heeft de uitnodiging al aangenomen.' }
  }
}

export default function UsersPage() {
  const { users, roles, search } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  return (
    <div className="page">
      <h1>Gebruikers</h1>
      <p>
        <Link to="/beheer/uitnodigen">Iemand uitnodigen</Link> · <Link to="/beheer/outbox">Verstuurde e-mail (outbox)</Link>
      </p>
      {result?.message ? (
        <p role="status" className="notice">
          {result.message}
        </p>
      ) : null}
      <Form method="get" role="search" className="filters">
        <div className="field">
          <label htmlFor="zoek">Zoek op naam of e-mailadres</label>
          <input id="zoek" type="search" name="zoek" defaultValue={search} />
        </div>
        <button type="submit">Zoeken</button>
      </Form>
      <ScrollRegion label="Alle gebruikers">
        <table className="table">
          <caption className="visually-hidden">Alle gebruikers</caption>
          <thead>
            <tr>
              <th scope="col">Naam</th>
              <th scope="col">E-mailadres</th>
              <th scope="col">Rol</th>
              <th scope="col">Status</th>
              <th scope="col">Acties</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td>{user.name || '—'}</td>
                <td>{user.email}</td>
                <td>
                  {user.manageable ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="role" />
                      <input type="hidden" name="userId" value={user.id} />
                      <label className="visually-hidden" htmlFor={`rol-${user.id}`}>
                        Rol van {user.name || user.email}
                      </label>
                      <select id={`rol-${user.id}`} name="role" defaultValue={user.role}>
                        {roles.map((role) => (
                          <option key={role.value} value={role.value}>
                            {role.label}
                          </option>
                        ))}
                      </select>
                      <button type="submit" className="button--small">
                        Opslaan<span className="visually-hidden"> voor {user.name || user.email}</span>
                      </button>
                    </Form>
                  ) : (
                    roles.find((role) => role.value === user.role)?.label
                  )}
                </td>
                <td>{user.disabledAt ? `Geblokkeerd sinds ${formatDate(user.disabledAt)}` : user.invited ? 'Uitgenodigd' : 'Actief'}</td>
                <td>
                  {user.manageable ? (
                    <div className="actions">
                      {user.invited && !user.disabledAt ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="resend" />
                          <input type="hidden" name="userId" value={user.id} />
                          <button type="submit" className="button--small button--secondary">
                            Uitnodiging opnieuw<span className="visually-hidden"> naar {user.email}</span>
                          </button>
                        </Form>
                      ) : null}
                      <Form method="post">
                        <input type="hidden" name="intent" value={user.disabledAt ? 'enable' : 'disable'} />
                        <input type="hidden" name="userId" value={user.id} />
                        <button type="submit" className="button--small button--secondary">
                          {user.disabledAt ? 'Deblokkeren' : 'Blokkeren'}
                          <span className="visually-hidden"> {user.name || user.email}</span>
                        </button>
                      </Form>
                    </div>
                  ) : (
                    <span className="muted">(uzelf)</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  )
}
