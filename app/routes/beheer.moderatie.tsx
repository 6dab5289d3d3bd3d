import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { TextDiff } from '#app/components/text-diff'
import { formatDateTime, site } from '#app/site'
import { requirePermission } from '#server/auth/guards'
import { decide, moderationQueue, queueKindLabels, type DecisionOutcome, type QueueKind } from '#server/contributions/moderation'
import { getTableOfContents, flattenTableOfContents } from '#server/handbook/sections'
import { compareTexts } from '#server/handbook/text-diff'

export const meta: MetaFunction = () => [{ title: `Moderatie — ${site.title}` }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  requirePermission(context, request, 'contribution:moderate')
  const url = new URL(request.url)
  const kinds = Object.keys(queueKindLabels) as QueueKind[]
  const kind = kinds.find((item) => item === url.searchParams.get('soort'))
  const sectionSlug = url.searchParams.get('sectie') || undefined
  const olderThanDays = Number(url.searchParams.get('ouder')) || undefined
  const [items, toc] = await Promise.all([moderationQueue(context.db, { kind, sectionSlug, olderThanDays }), getTableOfContents(context.db)])
  return {
    kinds: kinds.map((value) => ({ value, label: queueKindLabels[value] })),
    filter: { kind: kind ?? '', sectionSlug: sectionSlug ?? '', olderThanDays: olderThanDays ?? 0 },
    sections: flattenTableOfContents(toc).map((entry) => ({ slug: entry.slug, label: entry.number ? `${entry.number} ${entry.title}` : entry.title })),
    items: items.map((item) => ({
      ...item,
      key: `${item.kind}:${item.id}`,
      kindLabel: queueKindLabels[item.kind],
      diff: item.kind === 'suggestion' && item.originalText ? compareTexts(item.originalText, item.body) : null,
    })),
  }
}

const decisionSchema = z.object({
  decision: z.enum(['approve', 'approve-manually', 'reject', 'spam']),
  items: z.array(z.string().regex(/^(tip|lesson|suggestion|example):\d+$/)).min(1),
  reason: z.string().trim().max(500).default(''),
  editedBody: z.string().max(20_000).optional(),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const editor = requirePermission(context, request, 'contribution:moderate')
  const formData = await request.formData()
  const parsed = decisionSchema.safeParse({
    decision: formData.get('decision'),
    items: formData.getAll('items'),
    reason: formData.get('reason') ?? '',
    editedBody: formData.get('editedBody') ?? undefined,
  })
  if (!parsed.success) return { message: 'Kies eerst een of meer bijdragen en een besluit.', conflicts: [] }
  const { decision, items, reason, editedBody } = parsed.data
  if (decision === 'reject' && !reason) return { message: 'Geef bij afwijzen een reden; de inzender krijgt die te lezen.', conflicts: [] }
  const conflicts: Array<Extract<DecisionOutcome, { outcome: 'conflict' }> & { key: string }> = []
  let done = 0
  for (const key of items) {
    const [kind, id] = key.split(':') as [QueueKind, string]
    const outcome = await decide(context.db, context.collab, { editor, kind, id: Number(id), decision, reason, editedBody: items.length === 1 ? editedBody : undefined, publicUrl: context.publicUrl })
    if (outcome.outcome === 'conflict') conflicts.push({ ...outcome, key })
    if (outcome.outcome === 'done') done += 1
  }
  const verb = { approve: 'goedgekeurd', 'approve-manually': 'als verwerkt gemarkeerd', reject: 'afgewezen', spam: 'als spam gemarkeerd' }[decision]
  return {
    message: `${done === 1 ? '1 bijdrage' : `${done} bijdragen`} ${verb}.${conflicts.length > 0 ? ' Niet alles kon worden verwerkt: zie hieronder.' : ''}`,
    conflicts: conflicts.map((conflict) => ({ ...conflict, diff: compareTexts(conflict.originalText, conflict.currentTexts[0] ?? '') })),
  }
}

export default function ModerationPage() {
  const { items, filter, sections, kinds } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  return (
    <div className="page">
      <h1>Moderatie</h1>
      {result?.message ? (
        <p role="status" className="notice">
          {result.message}
        </p>
      ) : null}
      {result?.conflicts.map((conflict) => (
        <section key={conflict.key} className="queue-item conflict" aria-label="Conflict">
          <h2>Conflict: de tekst is intussen veranderd</h2>
          <p>De alinea waar dit voorstel over gaat, staat niet meer zo in het concept. Er is niets veranderd. Voeg het voorstel met de hand samen in de editor en markeer het daarna als verwerkt.</p>
          <h3>Tekst toen het voorstel werd gedaan</h3>
          <p className="muted">{conflict.originalText}</p>
          <h3>Voorgestelde tekst</h3>
          <p>{conflict.proposedText}</p>
          <h3>Wat er nu in het concept staat (meest gelijkende alinea)</h3>
          {conflict.currentTexts.length > 0 ? <TextDiff comparison={conflict.diff} versions={[{ label: 'De oorspronkelijke tekst', text: conflict.originalText }, { label: 'De tekst in het concept', text: conflict.currentTexts[0] ?? '' }]} /> : <p className="muted">Geen gelijkende alinea gevonden.</p>}
        </section>
      ))}
      <Form method="get" className="filters" aria-label="Wachtrij filteren">
        <div className="field">
          <label htmlFor="soort">Soort</label>
          <select id="soort" name="soort" defaultValue={filter.kind}>
            <option value="">Alle soorten</option>
            {kinds.map((kind) => (
              <option key={kind.value} value={kind.value}>
                {kind.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sectie">Paragraaf</label>
          <select id="sectie" name="sectie" defaultValue={filter.sectionSlug}>
            <option value="">Alle paragrafen</option>
            {sections.map((section) => (
              <option key={section.slug} value={section.slug}>
                {section.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ouder">Ouder dan</label>
          <select id="ouder" name="ouder" defaultValue={String(filter.olderThanDays)}>
            <option value="0">Alles</option>
            <option value="1">1 dag</option>
            <option value="7">1 week</option>
            <option value="30">1 maand</option>
          </select>
        </div>
        <button type="submit">Filteren</button>
      </Form>
      <p className="result-count">{items.length === 1 ? '1 bijdrage wacht' : `${items.length} bijdragen wachten`}</p>
      {items.length > 0 ? (
        <Form method="post" id="bulk" className="bulk">
          <fieldset className="fieldset">
            <legend>Besluit voor de aangevinkte bijdragen</legend>
            <div className="field">
              <label htmlFor="reason">Reden (verplicht bij afwijzen; de inzender leest die)</label>
              <input id="reason" name="reason" maxLength={500} />
            </div>
            <DecisionButtons />
          </fieldset>
        </Form>
      ) : null}
      {items.map((item) => (
        <article key={item.key} className="queue-item">
          <div className="field--checkbox">
            <input type="checkbox" id={`kies-${item.key}`} name="items" value={item.key} form="bulk" />
            <label htmlFor={`kies-${item.key}`}>
              <strong>{item.kindLabel}</strong> bij {item.sectionSlug ? <Link to={`/handreiking/${item.sectionSlug}`}>{item.sectionTitle}</Link> : item.sectionTitle} — {formatDateTime(item.createdAt)}
              {item.submitter ? ` — ${item.submitter}` : ''}
            </label>
          </div>
          {item.diff ? (
            <>
              <p className="muted">Voorgestelde wijziging (woord voor woord):</p>
              <TextDiff comparison={item.diff} versions={[{ label: 'De huidige tekst', text: item.originalText ?? '' }, { label: 'De voorgestelde tekst', text: item.body }]} />
              {item.reason ? <p>Reden: {item.reason}</p> : null}
            </>
          ) : (
            <p className="tips__body">{item.body}</p>
          )}
          <details>
            <summary>Bewerken en dan besluiten</summary>
            <Form method="post" className="form">
              <input type="hidden" name="items" value={item.key} />
              <div className="field">
                <label htmlFor={`tekst-${item.key}`}>{item.kind === 'suggestion' ? 'Nieuwe tekst' : 'Tekst'}</label>
                <textarea id={`tekst-${item.key}`} name="editedBody" rows={6} defaultValue={item.kind === 'example' ? item.body.split('\n\n').slice(1).join('\n\n') : item.body} />
              </div>
              <div className="field">
                <label htmlFor={`reden-${item.key}`}>Reden (bij afwijzen)</label>
                <input id={`reden-${item.key}`} name="reason" maxLength={500} />
              </div>
              <DecisionButtons suggestion={item.kind === 'suggestion'} />
            </Form>
          </details>
        </article>
      ))}
    </div>
  )
}

/** The editor's choices for one or more queue items; a suggestion can be applied, or marked as merged by hand. */
function DecisionButtons({ suggestion = false }: { suggestion?: boolean }) {
  return (
    <div className="actions">
      <button type="submit" name="decision" value="approve">
        {suggestion ? 'Toepassen in het concept' : 'Goedkeuren'}
      </button>
      {suggestion ? (
        <button type="submit" name="decision" value="approve-manually" className="button--secondary">
          Met de hand verwerkt
        </button>
      ) : null}
      <button type="submit" name="decision" value="reject" className="button--secondary">
        Afwijzen
      </button>
      <button type="submit" name="decision" value="spam" className="button--secondary">
        Spam
      </button>
    </div>
  )
}
