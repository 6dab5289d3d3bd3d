import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Breadcrumb } from '#app/components/breadcrumb'
import { z } from 'zod'
import { SubmitButton } from '#app/components/submit-button'
import { TextDiff } from '#app/components/text-diff'
import { formatDateTime, sectionLabel, site } from '#app/site'
import { parseForm } from '#app/utils/forms'
import { requirePermission } from '#server/auth/guards'
import { can } from '#server/auth/permissions'
import { acceptedSuggestions } from '#server/contributions/contributions'
import { listRevisions, restoreRevision } from '#server/handbook/live-documents'
import { getSectionForReading } from '#server/handbook/sections'
import { compareTexts } from '#server/handbook/text-diff'
import { draftVersion, versionText } from '#server/handbook/version-text'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Geschiedenis: ${sectionLabel(data.section)} — ${site.title}` : site.title },
  { name: 'robots', content: 'noindex' },
]

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const slug = params.slug ?? ''
  const reading = await getSectionForReading(context.db, slug)
  if (!reading) throw new Response('Niet gevonden', { status: 404 })
  const user = context.authentication?.user ?? null
  const canSeeDraft = can(user, 'section:edit')
  const [revisions, suggestions] = await Promise.all([listRevisions(context.db, slug), acceptedSuggestions(context.db, slug)])
  const url = new URL(request.url)
  // Default comparison: what the last publish changed (previous → current version); with a single
  // version, members see what the draft changes on it.
  const currentIndex = Math.max(0, revisions.findIndex((revision) => revision.current))
  const current = revisions[currentIndex]
  const previous = revisions[currentIndex + 1]
  const from = url.searchParams.get('van') ?? String(previous?.id ?? current?.id ?? '')
  const to = url.searchParams.get('naar') ?? (!previous && canSeeDraft ? draftVersion : String(current?.id ?? ''))
  const textOf = (version: string) => versionText(context.db, context.collab, { slug, version, canSeeDraft })
  const [before, after] = await Promise.all([textOf(from), textOf(to)])
  const comparison = before !== null && after !== null ? compareTexts(before, after) : null
  return {
    section: { slug, number: reading.section.number, title: reading.section.title },
    // An accepted suggestion changes the live draft: it reaches readers with the next published version.
    revisions: revisions.map((revision, index) => {
      const older = revisions[index + 1]?.createdAt.getTime() ?? -Infinity
      const within = suggestions.filter((item) => item.decidedAt.getTime() > older && item.decidedAt.getTime() <= revision.createdAt.getTime())
      return { ...revision, current: Boolean(revision.current), suggestedBy: within.map((item) => item.signedBy || 'een bezoeker') }
    }),
    comparison: comparison ? { from, to, result: comparison } : null,
    canSeeDraft,
    draftVersion,
    canRestore: can(user, 'section:restore'),
  }
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  requirePermission(context, request, 'section:restore')
  const form = parseForm(z.object({ revisionId: z.coerce.number().int().positive(), bevestigd: z.literal('ja').optional() }), await request.formData())
  if (!form.ok) throw new Response('Ongeldig verzoek', { status: 400 })
  // Restoring replaces the shared draft for everyone editing: a second step asks first (works without JavaScript).
  if (!form.data.bevestigd) {
    const revision = (await listRevisions(context.db, params.slug ?? '')).find((item) => item.id === form.data.revisionId)
    if (!revision) throw new Response('Niet gevonden', { status: 404 })
    return { confirm: { revisionId: revision.id, createdAt: revision.createdAt, summary: revision.summary }, restored: null }
  }
  const restored = await restoreRevision(context.db, context.collab, { slug: params.slug ?? '', revisionId: form.data.revisionId })
  if (!restored) throw new Response('Niet gevonden', { status: 404 })
  return { confirm: null, restored: form.data.revisionId }
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

export default function HistoryPage() {
  const { section, revisions, comparison, canSeeDraft, draftVersion, canRestore } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const revisionOptions = revisions.map((revision) => (
    <option key={revision.id} value={revision.id}>
      {formatDateTime(revision.createdAt)} — {revision.summary}
    </option>
  ))
  // Past the comparison's bounds each version is still there to read, as plain text.
  const versionHref = (version: string) => `/handreiking/${section.slug}/geschiedenis/tekst?versie=${encodeURIComponent(version)}`
  const label = (choice: string) => (choice === draftVersion ? 'het huidige concept' : `de versie van ${formatDateTime(revisions.find((revision) => String(revision.id) === choice)?.createdAt ?? '')}`)
  const breadcrumb = <Breadcrumb trail={[{ to: '/', label: 'Handreiking' }, { to: `/handreiking/${section.slug}`, label: sectionLabel(section) }]} current="Geschiedenis" />
  if (result?.confirm) {
    return (
      <div className="page page--narrow">
        {breadcrumb}
        <h1>Geschiedenis: {sectionLabel(section)}</h1>
        <section className="confirm-panel" aria-labelledby="bevestigen" tabIndex={-1} autoFocus>
          <h2 id="bevestigen">De versie van {formatDateTime(result.confirm.createdAt)} terugzetten in het concept?</h2>
          <p>“{result.confirm.summary}”</p>
          <p>
            Het gedeelde concept wordt dan deze oude tekst, ook voor wie de paragraaf nu bewerkt. Wijzigingen in het concept die nog niet
            gepubliceerd zijn, gaan daarbij verloren. Lezers zien niets, tot een redacteur publiceert.
          </p>
          <Form method="post" className="actions">
            <input type="hidden" name="revisionId" value={result.confirm.revisionId} />
            <input type="hidden" name="bevestigd" value="ja" />
            <SubmitButton className="button--warning">Ja, terugzetten</SubmitButton>
            <Link to={`/handreiking/${section.slug}/geschiedenis`} className="button button--secondary">
              Nee, niet terugzetten
            </Link>
          </Form>
        </section>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      {breadcrumb}
      <h1>Geschiedenis: {sectionLabel(section)}</h1>
      {result?.restored ? (
        <p role="status" className="notice">
          De oude versie staat weer in het concept. Iedereen die de paragraaf bewerkt, ziet dat meteen; lezers zien het na publicatie.{' '}
          <Link to={`/handreiking/${section.slug}/bewerken`}>Naar de editor</Link>
        </p>
      ) : null}

      <h2>Vergelijken</h2>
      <Form method="get" className="filters history-compare">
        <div className="field">
          <label htmlFor="van">Van</label>
          <select id="van" name="van" defaultValue={comparison?.from}>
            {revisionOptions}
          </select>
        </div>
        <div className="field">
          <label htmlFor="naar">Naar</label>
          <select id="naar" name="naar" defaultValue={comparison?.to}>
            {canSeeDraft ? <option value={draftVersion}>Huidig concept (nog niet gepubliceerd)</option> : null}
            {revisionOptions}
          </select>
        </div>
        <button type="submit">Vergelijken</button>
      </Form>
      {comparison ? (
        <>
          <p>
            Verschil tussen {label(comparison.from)} en {label(comparison.to)}:
          </p>
          <TextDiff
            comparison={comparison.result}
            versions={[
              { label: capitalized(label(comparison.from)), href: versionHref(comparison.from) },
              { label: capitalized(label(comparison.to)), href: versionHref(comparison.to) },
            ]}
          />
        </>
      ) : null}

      <h2>Gepubliceerde versies</h2>
      <ol className="revisions" reversed>
        {revisions.map((revision) => (
          <li key={revision.id}>
            <p>
              <strong>{formatDateTime(revision.createdAt)}</strong>
              {revision.current ? ' (huidige versie)' : ''} — {revision.summary}
            </p>
            <p className="muted">
              {revision.publisher ? `Gepubliceerd door ${revision.publisher}` : 'Overgenomen uit de eerste editie'}
              {revision.authors.length > 0 ? `; geschreven door ${revision.authors.join(', ')}` : ''}
              {revision.suggestedBy.length > 0 ? `; met ${revision.suggestedBy.length === 1 ? 'een voorstel' : 'voorstellen'} van ${revision.suggestedBy.join(', ')}` : ''}
            </p>
            {canRestore && !revision.current ? (
              <Form method="post">
                <input type="hidden" name="revisionId" value={revision.id} />
                <button type="submit" className="button--small button--secondary">
                  Terugzetten in het concept<span className="visually-hidden"> (versie van {formatDateTime(revision.createdAt)})</span>
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  )
}
