import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { SubmitButton } from '#app/components/submit-button'
import { TextDiff } from '#app/components/text-diff'
import { TipList } from '#app/components/tip-list'
import { formatDateTime, site } from '#app/site'
import { formatBytes } from '#app/utils/file-size'
import { requirePermission } from '#server/auth/guards'
import { decide, moderationQueue, queueKindLabels, type DecisionOutcome, type QueueKind } from '#server/contributions/moderation'
import { themesFrom } from '#server/examples/themes'
import { allowedUploadTypes } from '#server/files/uploads'
import { getTableOfContents, flattenTableOfContents } from '#server/handbook/sections'
import { compareTexts } from '#server/handbook/text-diff'

export const meta: MetaFunction = () => [{ title: `Moderatie — ${site.title}` }]

const typeLabels = Object.fromEntries(Object.values(allowedUploadTypes).map((type) => [type.mediaType, type.label]))

export async function loader({ request, context }: LoaderFunctionArgs) {
  requirePermission(context, request, 'contribution:moderate')
  const url = new URL(request.url)
  const kinds = Object.keys(queueKindLabels) as QueueKind[]
  const kind = kinds.find((item) => item === url.searchParams.get('soort'))
  const sectionSlug = url.searchParams.get('sectie') || undefined
  const olderThanDays = Number(url.searchParams.get('ouder')) || undefined
  const [items, toc] = await Promise.all([moderationQueue(context.db, { kind, sectionSlug, olderThanDays }), getTableOfContents(context.db)])
  const themeLabels = new Map(themesFrom(toc).map((theme) => [theme.key, theme.label]))
  return {
    scanning: context.fileSafety.scanning,
    kinds: kinds.map((value) => ({ value, label: queueKindLabels[value] })),
    filter: { kind: kind ?? '', sectionSlug: sectionSlug ?? '', olderThanDays: olderThanDays ?? 0 },
    sections: flattenTableOfContents(toc).map((entry) => ({ slug: entry.slug, label: entry.number ? `${entry.number} ${entry.title}` : entry.title })),
    items: items.map((item) => ({
      ...item,
      key: `${item.kind}:${item.id}`,
      kindLabel: queueKindLabels[item.kind],
      diff: item.kind === 'suggestion' && item.originalText ? compareTexts(item.originalText, item.body) : null,
      example: item.example
        ? {
            ...item.example,
            themes: item.example.themes.map((key) => themeLabels.get(key) ?? key),
            files: item.example.files.map((file) => ({ ...file, typeLabel: typeLabels[file.mediaType] ?? file.mediaType, size: formatBytes(file.byteSize) })),
          }
        : null,
    })),
  }
}

const decisionSchema = z.object({
  decision: z.enum(['approve', 'approve-manually', 'reject', 'spam']),
  items: z.array(z.string().regex(/^(tip|lesson|suggestion|example):\d+$/)).min(1),
  reason: z.string().trim().max(500).default(''),
  editedBody: z.string().max(20_000).optional(),
})

type Decision = z.infer<typeof decisionSchema>['decision']
const verbs: Record<Decision, string> = { approve: 'goedgekeurd', 'approve-manually': 'als verwerkt gemarkeerd', reject: 'afgewezen', spam: 'als spam gemarkeerd' }
/** Decisions that cannot be undone from the queue ask "are you sure?" first: a second POST, so it works without JavaScript. */
const confirmations: Partial<Record<Decision, { question: string; button: string }>> = {
  reject: { question: 'afwijzen', button: 'Ja, afwijzen' },
  spam: { question: 'als spam markeren', button: 'Ja, als spam markeren' },
}

type Confirmation = { decision: Decision; items: Array<{ key: string; label: string }>; reason: string; editedBody?: string; question: string; button: string }
type ActionResult = { message: string; conflicts: Array<Extract<DecisionOutcome, { outcome: 'conflict' }> & { key: string; diff: ReturnType<typeof compareTexts> }>; confirm: Confirmation | null }

export async function action({ request, context }: ActionFunctionArgs): Promise<ActionResult> {
  const editor = requirePermission(context, request, 'contribution:moderate')
  const formData = await request.formData()
  const parsed = decisionSchema.safeParse({
    decision: formData.get('decision'),
    items: formData.getAll('items'),
    reason: formData.get('reason') ?? '',
    editedBody: formData.get('editedBody') ?? undefined,
  })
  if (!parsed.success) return { message: 'Kies eerst een of meer bijdragen en een besluit.', conflicts: [], confirm: null }
  const { decision, items, reason, editedBody } = parsed.data
  if (decision === 'reject' && !reason) return { message: 'Geef bij afwijzen een reden; de inzender krijgt die te lezen.', conflicts: [], confirm: null }
  const confirmation = confirmations[decision]
  if (confirmation && formData.get('bevestigd') !== 'ja') {
    const queue = new Map((await moderationQueue(context.db)).map((item) => [`${item.kind}:${item.id}`, item]))
    const described = items.flatMap((key) => {
      const item = queue.get(key)
      return item ? [{ key, label: `${queueKindLabels[item.kind]} bij ${item.sectionTitle}: “${item.body.slice(0, 80)}${item.body.length > 80 ? '…' : ''}”` }] : []
    })
    if (described.length === 0) return { message: 'Deze bijdragen wachten niet meer; er is niets veranderd.', conflicts: [], confirm: null }
    return { message: '', conflicts: [], confirm: { decision, items: described, reason, editedBody, ...confirmation } }
  }
  const conflicts: ActionResult['conflicts'] = []
  const quarantined: string[] = []
  let done = 0
  for (const key of items) {
    const [kind, id] = key.split(':') as [QueueKind, string]
    const outcome = await decide(context.db, context.collab, { editor, kind, id: Number(id), decision, reason, editedBody: items.length === 1 ? editedBody : undefined, publicUrl: context.publicUrl, scanning: context.fileSafety.scanning })
    if (outcome.outcome === 'unscanned-files') quarantined.push(...outcome.fileNames)
    if (outcome.outcome === 'conflict') conflicts.push({ ...outcome, key, diff: compareTexts(outcome.originalText, outcome.currentTexts[0] ?? '') })
    if (outcome.outcome === 'done') done += 1
  }
  return {
    message: `${done === 1 ? '1 bijdrage' : `${done} bijdragen`} ${verbs[decision]}.${conflicts.length > 0 ? ' Niet alles kon worden verwerkt: zie hieronder.' : ''}${
      quarantined.length > 0
        ? ` Niet goedgekeurd: ${quarantined.join(', ')} ${quarantined.length === 1 ? 'is' : 'zijn'} nog niet op virussen gescand (de virusscanner was niet bereikbaar). Het voorbeeld blijft wachten; de bestanden worden vanzelf opnieuw gescand, probeer het daarna nog eens.`
        : ''
    }`,
    conflicts,
    confirm: null,
  }
}

export default function ModerationPage() {
  const { items, filter, sections, kinds, scanning } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  if (result?.confirm) return <ConfirmDecision confirm={result.confirm} />
  return (
    <div className="page moderation">
      <h1>Moderatie</h1>
      {scanning ? null : (
        <p className="notice notice--warning" role="note">
          Let op: bestanden worden niet op virussen gescand (er is geen virusscanner ingesteld, CLAMD_URL). Open meegestuurde bestanden alleen als u de afzender vertrouwt.
        </p>
      )}
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
        <QueueEntry key={item.key} item={item} scanning={scanning} />
      ))}
    </div>
  )
}

type Item = ReturnType<typeof useLoaderData<typeof loader>>['items'][number]

/** One waiting item: everything the visitor sent, what it answers, how it will look, and the decision. */
function QueueEntry({ item, scanning }: { item: Item; scanning: boolean }) {
  const headingId = `titel-${item.kind}-${item.id}`
  const where = item.kind === 'example' ? item.sectionTitle : item.sectionSlug ? <Link to={`/handreiking/${item.sectionSlug}`}>{item.sectionTitle}</Link> : item.sectionTitle
  return (
    <article className="queue-item" aria-labelledby={headingId}>
      <header className="queue-item__header">
        <h2 id={headingId} className="queue-item__title">
          <span className="queue-item__kind">{item.kindLabel}</span> {item.kind === 'example' ? '' : 'bij '}
          {where}
        </h2>
        <p className="muted">
          Ingestuurd {formatDateTime(item.createdAt)}
          {item.submitter ? ` door ${item.submitter}` : ''}
        </p>
        <div className="field--checkbox">
          <input type="checkbox" id={`kies-${item.key}`} name="items" value={item.key} form="bulk" />
          <label htmlFor={`kies-${item.key}`}>
            Aanvinken voor het besluit bovenaan<span className="visually-hidden"> ({item.kindLabel}, {formatDateTime(item.createdAt)})</span>
          </label>
        </div>
      </header>
      <div className="queue-item__body">
        <SubmittedFields item={item} />
        {item.example && item.example.files.length > 0 ? <QueueFiles files={item.example.files} scanning={scanning} exampleName={item.example.name} /> : null}
        {item.sectionHtml ? (
          <details className="queue-item__context">
            <summary>De tekst van de paragraaf waar dit over gaat</summary>
            <div className="prose prose--nested" dangerouslySetInnerHTML={{ __html: item.sectionHtml }} />
          </details>
        ) : null}
        {item.kind === 'suggestion' ? null : (
          <details className="queue-item__preview">
            <summary>Zo komt het op de website</summary>
            <Preview item={item} />
          </details>
        )}
      </div>
      <details className="queue-item__edit">
        <summary>Bewerken en dan besluiten</summary>
        <Form method="post" className="form">
          <input type="hidden" name="items" value={item.key} />
          <div className="field">
            <label htmlFor={`tekst-${item.key}`}>{item.kind === 'suggestion' ? 'Nieuwe tekst' : item.kind === 'example' ? 'Het verhaal' : 'Tekst'}</label>
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
  )
}

/** Every field as the visitor filled it in, including those readers will not see. */
function SubmittedFields({ item }: { item: Item }) {
  const yesNo = (value: boolean) => (value ? 'ja' : 'nee')
  const email = item.hasEmail ? 'opgegeven (krijgt bericht van uw besluit; het adres tonen we niet)' : 'niet opgegeven'
  const example = item.example
  const fields: Array<[string, React.ReactNode]> = example
    ? [
        ['Naam van het netwerk', example.name],
        ['Plaats', example.place || '—'],
        ['Provincie', example.region || '—'],
        ['Thema’s', example.themes.length > 0 ? example.themes.join(', ') : '—'],
        ['Samenvatting', example.summary],
        ['Het verhaal', <div key="verhaal" className="prose prose--nested" dangerouslySetInnerHTML={{ __html: example.storyHtml }} />],
        [
          'Website',
          example.website ? (
            <a key="website" href={example.website} rel="noopener noreferrer nofollow" className="long-text">
              {example.website}
            </a>
          ) : (
            '—'
          ),
        ],
        ['Contact (wordt getoond)', example.contact || '—'],
        ['Naam inzender', example.submitterName || '—'],
        ['Naam in het colofon', yesNo(example.showName)],
        ['E-mailadres inzender', email],
      ]
    : [
        ...(item.kind === 'suggestion'
          ? ([
              ['Voorgestelde wijziging (woord voor woord)', item.diff ? <TextDiff key="diff" comparison={item.diff} versions={[{ label: 'De huidige tekst', text: item.originalText ?? '' }, { label: 'De voorgestelde tekst', text: item.body }]} /> : item.body],
              ['Reden', item.reason || '—'],
            ] as Array<[string, React.ReactNode]>)
          : ([['Tekst', <p key="tekst" className="tips__body">{item.body}</p>]] as Array<[string, React.ReactNode]>)),
        ['Naam', item.submitter || '—'],
        ['Naam tonen', yesNo(Boolean(item.signedBy))],
        ['E-mailadres', email],
      ]
  return (
    <dl className="queue-fields">
      {fields.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

/** Each file with name, type and size, and a link only moderators can open while the example waits. */
function QueueFiles({ files, scanning, exampleName }: { files: NonNullable<Item['example']>['files']; scanning: boolean; exampleName: string }) {
  return (
    <section className="queue-files" aria-label="Bestanden">
      <h3>Bestanden ({files.length})</h3>
      <ul>
        {files.map((file) => (
          <li key={file.id} className="queue-file">
            {file.hasPreview ? <img src={`/beheer/bestanden/${file.id}/voorbeeld`} alt={previewAlt(file, exampleName)} className="file-preview" loading="lazy" /> : null}
            <span className="queue-file__name long-text">{file.fileName}</span>
            <span className="muted">
              {file.typeLabel}, {file.size}
            </span>
            {!scanning ? (
              <span className="queue-file__scan queue-file__scan--unscanned">niet op virussen gescand</span>
            ) : file.scanStatus === 'clean' ? (
              <span className="queue-file__scan">gescand, geen virus gevonden</span>
            ) : (
              <span className="queue-file__scan queue-file__scan--pending">nog niet gescand — in quarantaine, kan nog niet worden geopend of goedgekeurd</span>
            )}
            {scanning && file.scanStatus !== 'clean' ? null : (
              <a href={`/beheer/bestanden/${file.id}`} download className="queue-file__open">
                Openen<span className="visually-hidden"> {file.fileName}</span>
                {scanning ? null : <span className="visually-hidden"> (niet op virussen gescand)</span>}
              </a>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

export function previewAlt(file: { fileName: string; mediaType: string }, exampleName: string) {
  return `${file.mediaType === 'application/pdf' ? 'Eerste pagina van' : 'Afbeelding'} ${file.fileName}, bij het voorbeeld ${exampleName}`
}

/** The item as readers will see it once approved. */
function Preview({ item }: { item: Item }) {
  if (item.example) {
    const where = [item.example.place, item.example.region].filter(Boolean).join(', ')
    return (
      <div className="preview">
        <article className="card">
          <h3 className="card__title">{item.example.name}</h3>
          {where ? <p className="card__meta">{where}</p> : null}
          <p>{item.example.summary}</p>
        </article>
      </div>
    )
  }
  return (
    <div className="preview">
      <TipList
        tips={[{ id: item.id, kind: item.kind, body: item.body, signedBy: item.signedBy, createdAt: item.createdAt, sectionSlug: item.sectionSlug || null, sectionTitle: item.sectionSlug ? item.sectionTitle : null }]}
      />
    </div>
  )
}

/** "Are you sure?": the same decision again with bevestigd=ja, or back to the queue without change. */
function ConfirmDecision({ confirm }: { confirm: Confirmation }) {
  return (
    <div className="page page--narrow">
      <h1>Moderatie</h1>
      <section className="confirm-panel" aria-labelledby="bevestigen" tabIndex={-1} autoFocus>
        <h2 id="bevestigen">
          Weet u zeker dat u {confirm.items.length === 1 ? 'deze bijdrage' : `deze ${confirm.items.length} bijdragen`} wilt {confirm.question}?
        </h2>
        <ul>
          {confirm.items.map((item) => (
            <li key={item.key}>{item.label}</li>
          ))}
        </ul>
        {confirm.reason ? <p>Reden voor de inzender: “{confirm.reason}”</p> : null}
        <p>Dit kunt u hier niet ongedaan maken.</p>
        <Form method="post" className="actions">
          <input type="hidden" name="decision" value={confirm.decision} />
          <input type="hidden" name="reason" value={confirm.reason} />
          {confirm.editedBody !== undefined ? <input type="hidden" name="editedBody" value={confirm.editedBody} /> : null}
          {confirm.items.map((item) => (
            <input key={item.key} type="hidden" name="items" value={item.key} />
          ))}
          <input type="hidden" name="bevestigd" value="ja" />
          <SubmitButton className="button--warning">{confirm.button}</SubmitButton>
          <Link to="/beheer/moderatie" className="button button--secondary">
            Nee, terug naar de wachtrij
          </Link>
        </Form>
      </section>
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
