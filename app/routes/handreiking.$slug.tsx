import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { TableOfContents } from '#app/components/table-of-contents'
import { formatDate, publicPageHeaders, sectionLabel, site } from '#app/site'
import { getSectionForReading } from '#server/handbook/sections'

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data ? [{ title: `${sectionLabel(data.section)} — ${site.title}` }] : [{ title: `Pagina niet gevonden — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ params, context }: LoaderFunctionArgs) {
  const reading = await getSectionForReading(context.db, params.slug ?? '')
  if (!reading) throw new Response('Niet gevonden', { status: 404 })
  return reading
}

export default function SectionPage() {
  const { section, tableOfContents, breadcrumb, previous, next } = useLoaderData<typeof loader>()
  return (
    <div className="page section-layout">
      <article className="section-article">
        <nav aria-label="Kruimelpad" className="breadcrumb">
          <ol>
            <li>
              <Link to="/">Handreiking</Link>
            </li>
            {breadcrumb.map((entry) => (
              <li key={entry.slug}>
                <Link to={`/handreiking/${entry.slug}`}>{sectionLabel(entry)}</Link>
              </li>
            ))}
            <li>
              <span aria-current="page">{sectionLabel(section)}</span>
            </li>
          </ol>
        </nav>
        <h1>
          {section.number ? <span className="section-number">{section.number}</span> : null} {section.title}
        </h1>
        <div className="prose" dangerouslySetInnerHTML={{ __html: section.html }} />
        <p className="muted updated">
          Laatst gewijzigd op <time dateTime={new Date(section.updatedAt).toISOString()}>{formatDate(section.updatedAt)}</time>
        </p>
        <nav aria-label="Vorige en volgende" className="pager">
          {previous ? (
            <Link to={`/handreiking/${previous.slug}`} rel="prev" className="pager__previous">
              <span className="pager__label">Vorige</span> {sectionLabel(previous)}
            </Link>
          ) : null}
          {next ? (
            <Link to={`/handreiking/${next.slug}`} rel="next" className="pager__next">
              <span className="pager__label">Volgende</span> {sectionLabel(next)}
            </Link>
          ) : null}
        </nav>
      </article>
      <aside className="section-aside" aria-labelledby="zijnavigatie">
        <h2 id="zijnavigatie">Inhoudsopgave</h2>
        <nav aria-labelledby="zijnavigatie">
          <TableOfContents entries={tableOfContents} currentSlug={section.slug} />
        </nav>
      </aside>
    </div>
  )
}
