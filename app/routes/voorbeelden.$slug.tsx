import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders, site } from '#app/site'
import { getExample } from '#server/examples/examples'
import { themesFrom } from '#server/examples/themes'
import { getTableOfContents } from '#server/handbook/sections'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.example.name} — Goede voorbeelden — ${site.title}` : `Pagina niet gevonden — ${site.title}` },
  ...(data ? [{ name: 'description', content: data.example.summary }] : []),
]

export const headers = () => publicPageHeaders

export async function loader({ params, context }: LoaderFunctionArgs) {
  const [example, tableOfContents] = await Promise.all([getExample(context.db, params.slug ?? ''), getTableOfContents(context.db)])
  if (!example) throw new Response('Niet gevonden', { status: 404 })
  const { story, searchVector, ...shown } = example
  const themes = themesFrom(tableOfContents).filter((theme) => example.themes.includes(theme.key))
  return { example: shown, themes }
}

export default function ExamplePage() {
  const { example, themes } = useLoaderData<typeof loader>()
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
      <nav aria-label="Kruimelpad" className="breadcrumb">
        <ol>
          <li>
            <Link to="/voorbeelden">Goede voorbeelden</Link>
          </li>
          <li>
            <span aria-current="page">{example.name}</span>
          </li>
        </ol>
      </nav>
      <h1>{example.name}</h1>
      <p className="lead">{example.summary}</p>
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
      {example.source ? <p className="muted">Bron: {example.source}</p> : null}
    </div>
  )
}
