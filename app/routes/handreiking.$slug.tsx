import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { Breadcrumb } from '#app/components/breadcrumb'
import { LastChangeDate } from '#app/components/last-change'
import { PdfLink } from '#app/components/pdf-link'
import { OnThisPage } from '#app/components/on-this-page'
import { RelatedExamples } from '#app/components/related-examples'
import { SectionContents, SectionSidebar } from '#app/components/section-contents'
import { TipList } from '#app/components/tip-list'
import { publicPageHeaders, sectionLabel, site } from '#app/site'
import { can } from '#server/auth/permissions'
import { liveDraftText } from '#server/handbook/live-documents'

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data ? [{ title: `${sectionLabel(data.section)} — ${site.title}` }] : [{ title: `Pagina niet gevonden — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ params, context }: LoaderFunctionArgs) {
  const reading = await context.published.section(params.slug ?? '')
  if (!reading) throw new Response('Niet gevonden', { status: 404 })
  const user = context.authentication?.user ?? null
  const canEdit = can(user, 'section:edit')
  const { plainText, ...section } = reading.section
  // Members see whether the live draft has changes readers do not see yet.
  const draftDiffers = canEdit ? (await liveDraftText(context.collab, section.slug)) !== plainText : false
  const isChapter = reading.tableOfContents.some((entry) => entry.id === section.id)
  // Facts only from a render that finished: a reader's page never starts one (the PDF service renews stored pages when it ends).
  const chapterPdf = isChapter ? { href: `/handreiking/${section.slug}.pdf`, facts: await context.pdf.chapterFacts(section.slug, context.publicUrl) } : null
  return { ...reading, section, canEdit, draftDiffers, chapterPdf }
}

export default function SectionPage() {
  const { section, tableOfContents, breadcrumb, previous, next, canEdit, draftDiffers, tips, examples, chapterPdf, sinceEdition } = useLoaderData<typeof loader>()
  const [searchParams] = useSearchParams()
  return (
    <div className="page section-page">
      <Breadcrumb
        trail={[{ to: '/', label: 'Handreiking' }, ...breadcrumb.map((entry) => ({ to: `/handreiking/${entry.slug}`, label: sectionLabel(entry) }))]}
        current={sectionLabel(section)}
      />
      <div className="section-layout">
        <article className="section-article">
          <h1>
            {section.number ? <span className="section-number">{section.number}</span> : null} {section.title}
          </h1>
          <SectionContents entries={tableOfContents} currentSlug={section.slug} />
          {chapterPdf ? (
            <p className="chapter-download">
              <PdfLink href={chapterPdf.href} label="Download dit hoofdstuk" facts={chapterPdf.facts} download />
            </p>
          ) : null}
          {searchParams.get('gepubliceerd') ? (
            <p role="status" className="notice">
              De nieuwe versie is gepubliceerd.
            </p>
          ) : null}
          {canEdit ? (
            <p className="member-tools">
              <Link to={`/handreiking/${section.slug}/bewerken`} className="button button--secondary">
                Bewerken
              </Link>
              {draftDiffers ? <span className="draft-badge">Het concept heeft wijzigingen die nog niet gepubliceerd zijn.</span> : null}
            </p>
          ) : null}
          <OnThisPage headings={section.headings} />
          <div className="prose" dangerouslySetInnerHTML={{ __html: section.html }} />
          <p className="muted updated">
            <LastChangeDate change={section.lastChange} /> · <Link to={`/handreiking/${section.slug}/geschiedenis`}>Geschiedenis</Link>
            {sinceEdition ? (
              <>
                {' · '}
                <Link to={`/wijzigingen#${section.slug}`}>{`${sinceEdition.isNew ? 'Nieuw' : 'Gewijzigd'} sinds editie ${sinceEdition.number}`}</Link>
              </>
            ) : null}
            {breadcrumb.length === 0 ? (
              <>
                {' · '}
                <Link to={`/volgen?hoofdstuk=${section.slug}`}>Volg dit hoofdstuk</Link>
              </>
            ) : null}
          </p>
          <RelatedExamples {...examples} />
          <section aria-labelledby="uit-de-praktijk" className="practice">
            <h2 id="uit-de-praktijk">Uit de praktijk</h2>
            {tips.length > 0 ? (
              <TipList tips={tips} />
            ) : (
              <p>Er zijn nog geen tips bij deze paragraaf. Deel als eerste uw ervaring.</p>
            )}
            <p className="practice__actions">
              <Link to={`/bijdragen/nieuw?sectie=${section.slug}`} className="button button--secondary">
                Deel een tip of lesson learned
              </Link>
              <Link to={`/bijdragen/nieuw?sectie=${section.slug}&soort=suggestie`}>Stel een tekstwijziging voor</Link>
            </p>
          </section>
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
        <SectionSidebar entries={tableOfContents} currentSlug={section.slug} />
      </div>
    </div>
  )
}
