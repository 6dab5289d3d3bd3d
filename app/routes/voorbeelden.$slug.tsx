import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Breadcrumb } from '#app/components/breadcrumb'
import { SubmitButton } from '#app/components/submit-button'
import { publicPageHeaders, site } from '#app/site'
import { formatBytes } from '#app/utils/file-size'
import { requirePermission } from '#server/auth/guards'
import { can } from '#server/auth/permissions'
import { unpublishExample } from '#server/contributions/moderation'
import { getExample } from '#server/examples/examples'
import { listAttachments } from '#server/examples/submissions'
import { themesFrom } from '#server/examples/themes'
import { flattenTableOfContents, getTableOfContents } from '#server/handbook/sections'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.example.name} — Goede voorbeelden — ${site.title}` : `Pagina niet gevonden — ${site.title}` },
  ...(data ? [{ name: 'description', content: data.example.summary }] : []),
]

export const headers = () => publicPageHeaders

export async function loader({ params, context }: LoaderFunctionArgs) {
  const [example, tableOfContents] = await Promise.all([getExample(context.db, params.slug ?? ''), getTableOfContents(context.db)])
  if (!example) throw new Response('Niet gevonden', { status: 404 })
  const { story, searchVector, submitterEmail, clientHash, removalTokenId, removalSecretHash, ...shown } = example
  const themes = themesFrom(tableOfContents).filter((theme) => example.themes.includes(theme.key))
  const scanning = context.fileSafety.scanning
  // With a virus scanner, a file still in quarantine is listed without a link until it is scanned clean.
  const files = (await listAttachments(context.db, example.id)).map((file) => ({ ...file, downloadable: !scanning || file.scanStatus === 'clean' }))
  const handbookSection = example.handbookSlug ? flattenTableOfContents(tableOfContents).find((entry) => entry.slug === example.handbookSlug) : undefined
  return { example: shown, themes, files, handbookSection: handbookSection ? { slug: handbookSection.slug, title: handbookSection.title } : null, canUnpublish: can(context.authentication?.user ?? null, 'contribution:moderate') }
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const editor = requirePermission(context, request, 'contribution:moderate')
  const example = await getExample(context.db, params.slug ?? '')
  if (!example) throw new Response('Niet gevonden', { status: 404 })
  // Taking an example offline asks first, on a second step that works without JavaScript.
  if ((await request.formData()).get('bevestigd') !== 'ja') return { confirmUnpublish: true }
  await unpublishExample(context.db, editor, example.id)
  throw redirect('/voorbeelden')
}

export default function ExamplePage() {
  const { example, themes, files, handbookSection, canUnpublish } = useLoaderData<typeof loader>()
  const asked = useActionData<typeof action>()?.confirmUnpublish
  const facts: Array<[string, string]> = [
    ['Plaats', example.place],
    ['Regio', example.region],
    ['Gemeenten', example.municipalities.join(', ')],
    ['Opgericht', example.founded],
    ['Leden', example.members],
    ['Aangesloten organisaties (o.a.)', example.memberOrganisations.join(', ')],
  ]
  return (
    <div className="page page--narrow">
      <Breadcrumb trail={[{ to: '/voorbeelden', label: 'Goede voorbeelden' }]} current={example.name} />
      <h1>{example.name}</h1>
      <p className="lead">{example.summary}</p>
      {handbookSection ? (
        <p className="also-in">
          Dit netwerk staat ook in de handreiking, in hoofdstuk 5 Goede voorbeelden:{' '}
          <Link to={`/handreiking/${handbookSection.slug}`}>{handbookSection.title}</Link>.
        </p>
      ) : null}
      <dl className="facts">
        {facts
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        {example.website ? (
          <div>
            <dt>Website</dt>
            <dd>
              <a href={example.website} rel="noopener">
                {example.website.replace(/^https?:\/\//, '')}
              </a>
            </dd>
          </div>
        ) : null}
      </dl>
      {example.quote ? (
        <figure className="quote">
          <blockquote>
            <p>“{example.quote}”</p>
          </blockquote>
          {example.quoteBy ? <figcaption>— {example.quoteBy}</figcaption> : null}
        </figure>
      ) : null}
      <h2>Het verhaal</h2>
      <div className="prose prose--nested" dangerouslySetInnerHTML={{ __html: example.storyHtml }} />
      {themes.length > 0 ? (
        <>
          <h2>Thema’s uit de handreiking</h2>
          <ul className="tags">
            {themes.map((theme) => (
              <li key={theme.key}>
                <Link to={`/handreiking/${theme.key}`}>{theme.label}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {files.length > 0 ? (
        <>
          <h2>Bestanden</h2>
          <ul className="files">
            {files.map((file) => (
              <li key={file.id} className={file.hasPreview ? 'file file--preview' : 'file'}>
                {file.hasPreview ? (
                  <img
                    src={`/voorbeelden/${example.slug}/bestanden/${file.id}/voorbeeld`}
                    alt={`${file.mediaType === 'application/pdf' ? 'Eerste pagina van' : 'Afbeelding'} ${file.fileName}, bij het voorbeeld ${example.name}`}
                    className="file-preview"
                    loading="lazy"
                  />
                ) : null}
                {file.downloadable ? (
                  <a href={`/voorbeelden/${example.slug}/bestanden/${file.id}`} download>
                    {file.fileName}
                  </a>
                ) : (
                  <span>{file.fileName}</span>
                )}{' '}
                <span className="muted">
                  {file.downloadable
                    ? `(${formatBytes(file.byteSize)}, ${file.downloads === 1 ? '1 keer' : `${file.downloads} keer`} gedownload)`
                    : '(wordt nog op virussen gescand; daarna kunt u het downloaden)'}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {example.contact ? (
        <p>
          <strong>Contact:</strong> {example.contact}
        </p>
      ) : null}
      {example.source ? <p className="muted">Bron: {example.source}</p> : null}
      {canUnpublish && asked ? (
        <section className="confirm-panel" aria-labelledby="offline-bevestigen" tabIndex={-1} autoFocus>
          <h2 id="offline-bevestigen">Dit voorbeeld offline halen?</h2>
          <p>Lezers zien het dan niet meer, ook de bestanden niet. Het blijft bewaard.</p>
          <Form method="post" className="actions">
            <input type="hidden" name="bevestigd" value="ja" />
            <SubmitButton className="button--warning">Ja, offline halen</SubmitButton>
            <Link to={`/voorbeelden/${example.slug}`} className="button button--secondary">
              Nee, online laten
            </Link>
          </Form>
        </section>
      ) : canUnpublish ? (
        <Form method="post">
          <button type="submit" className="button--secondary">
            Offline halen
          </button>
        </Form>
      ) : null}
    </div>
  )
}
