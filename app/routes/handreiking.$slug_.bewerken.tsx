import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Breadcrumb } from '#app/components/breadcrumb'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { LiveEditor } from '#app/editor/live-editor'
import { sectionLabel, site } from '#app/site'
import { parseForm, rejected } from '#app/utils/forms'
import { requirePermission } from '#server/auth/guards'
import { can } from '#server/auth/permissions'
import { publishRevision } from '#server/handbook/live-documents'
import { getSectionForReading } from '#server/handbook/sections'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Bewerken: ${sectionLabel(data.section)} — ${site.title}` : site.title }]

// Caret colours, each readable as text on white (WCAG AA).
const caretColours = ['#b3261e', '#0b6e4f', '#1f4e9c', '#7a3e9d', '#8a5a00', '#00696f', '#a0306e', '#4d5b14']

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const user = requirePermission(context, request, 'section:edit')
  const reading = await getSectionForReading(context.db, params.slug ?? '')
  if (!reading) throw new Response('Niet gevonden', { status: 404 })
  // The editor's socket follows in a moment: its session is checked now and its document starts loading.
  context.expectLiveEditing(reading.section.slug)
  return {
    section: { slug: reading.section.slug, number: reading.section.number, title: reading.section.title },
    user: { name: user.name || user.email, color: caretColours[user.id % caretColours.length] },
    canPublish: can(user, 'section:publish'),
  }
}

const publishSchema = z.object({
  summary: z
    .string({ required_error: 'Beschrijf kort wat er veranderd is.' })
    .trim()
    .min(3, 'Beschrijf kort wat er veranderd is (minstens 3 tekens).')
    .max(200, 'Houd de samenvatting korter dan 200 tekens.'),
})

export async function action({ params, request, context }: ActionFunctionArgs) {
  const user = requirePermission(context, request, 'section:publish')
  const form = parseForm(publishSchema, await request.formData())
  if (!form.ok) return rejected(form)
  const revision = await publishRevision(context.db, context.collab, { slug: params.slug ?? '', summary: form.data.summary, publisherId: user.id })
  if (!revision) throw new Response('Niet gevonden', { status: 404 })
  throw redirect(`/handreiking/${params.slug}?gepubliceerd=${revision.id}`)
}

export default function EditSectionPage() {
  const { section, user, canPublish } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  return (
    <div className="page page--editor">
      <Breadcrumb trail={[{ to: '/', label: 'Handreiking' }, { to: `/handreiking/${section.slug}`, label: sectionLabel(section) }]} current="Bewerken" />
      <h1>Bewerken: {sectionLabel(section)}</h1>
      <p className="muted">
        Wijzigingen worden meteen bewaard en zijn direct zichtbaar voor iedereen die deze paragraaf bewerkt. Lezers zien ze pas na
        publicatie door een redacteur. <Link to={`/handreiking/${section.slug}/geschiedenis`}>Geschiedenis en vergelijken</Link>
      </p>
      <noscript>
        <p className="notice">Samen bewerken werkt alleen met JavaScript aan.</p>
      </noscript>
      <LiveEditor document={section.slug} user={user} />
      {canPublish ? (
        <section aria-labelledby="publiceren" className="publish">
          <h2 id="publiceren">Publiceren</h2>
          <p>Maakt van de huidige tekst de versie die lezers zien, in de zoekresultaten en in de volgende pdf.</p>
          <Form method="post" className="form" noValidate>
            <ErrorSummary errors={failure?.errors} />
            <Field label="Wat is er veranderd?" name="summary" required maxLength={200} defaultValue={failure?.values.summary} error={failure?.errors.summary} hint="Bijvoorbeeld: voorbeeld uit Almere toegevoegd." />
            <SubmitButton>Publiceren</SubmitButton>
          </Form>
        </section>
      ) : null}
    </div>
  )
}
