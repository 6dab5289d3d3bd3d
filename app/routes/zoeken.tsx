import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders, site } from '#app/site'
import { maxQueryLength, searchHandbook, searchPage, type SearchKindParam, type SearchResult } from '#server/search/search'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.query ? `Zoeken naar “${data.query}”${data.page > 1 ? `, pagina ${data.page}` : ''} — ${site.title}` : `Zoeken — ${site.title}` },
  { name: 'robots', content: 'noindex' },
]

export const headers = () => publicPageHeaders

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams
  const outcome = await searchHandbook(context.db, params.get('q') ?? '')
  return { query: outcome.query, truncated: outcome.truncated, maxQueryLength, ...searchPage(outcome, params.get('soort'), Number(params.get('pagina') ?? 1)) }
}

const kindLabels: Record<SearchKindParam, { group: string; one: string }> = {
  handreiking: { group: 'Handreiking', one: 'Handreiking' },
  voorbeelden: { group: 'Goede voorbeelden', one: 'Goed voorbeeld' },
  tips: { group: 'Tips en lessons learned', one: 'Tip of lesson learned' },
}

function resultHref(result: Pick<SearchResult, 'kind' | 'slug'>) {
  if (result.kind === 'example') return `/voorbeelden/${result.slug}`
  if (result.kind === 'tip') return result.slug ? `/handreiking/${result.slug}#uit-de-praktijk` : '/#tips'
  return `/handreiking/${result.slug}`
}

export default function SearchPage() {
  const { query, truncated, maxQueryLength, kind, counts, groups, page, pageCount } = useLoaderData<typeof loader>()
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0)
  const link = (changes: { soort?: SearchKindParam | null; pagina?: number }) => {
    const params = new URLSearchParams({ q: query })
    const chosen = changes.soort === undefined ? kind : changes.soort
    if (chosen) params.set('soort', chosen)
    if (changes.pagina && changes.pagina > 1) params.set('pagina', String(changes.pagina))
    return `/zoeken?${params}`
  }
  return (
    <div className="page page--narrow">
      <h1>Zoeken</h1>
      {truncated ? <p className="notice">Uw zoekvraag was langer dan {maxQueryLength} tekens; we zochten op het eerste deel.</p> : null}
      {!query ? (
        <p>Typ een of meer woorden in het zoekvak bovenaan de pagina. U vindt ook woordvormen (“vrijwilliger” vindt “vrijwilligers”) en delen van samengestelde woorden.</p>
      ) : (
        <>
          <p role="status" className="result-count">
            {total === 0 ? `Geen resultaten voor “${query}”.` : `${total === 1 ? '1 resultaat' : `${total} resultaten`} voor “${query}”`}
          </p>
          {total === 0 ? (
            <p>
              Probeer een ander of korter woord in het zoekvak bovenaan, of blader door de <Link to="/">inhoudsopgave</Link> en de{' '}
              <Link to="/voorbeelden">goede voorbeelden</Link>.
            </p>
          ) : (
            <>
              <nav aria-label="Soort resultaat">
                <ul className="search-kinds">
                  <li>
                    <Link to={link({ soort: null })} aria-current={kind === null ? 'page' : undefined}>
                      Alles ({total})
                    </Link>
                  </li>
                  {(Object.keys(kindLabels) as SearchKindParam[]).map((param) => (
                    <li key={param}>
                      <Link to={link({ soort: param })} aria-current={kind === param ? 'page' : undefined}>
                        {kindLabels[param].group} ({counts[param]})
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
              {groups.length === 0 ? <p>Geen resultaten van deze soort. Kies hierboven een andere soort.</p> : null}
              {groups.map((group) => (
                <section key={group.kind} className="search-group" aria-labelledby={`groep-${group.kind}`}>
                  <h2 id={`groep-${group.kind}`}>
                    {kindLabels[group.kind].group}
                    {kind ? <span className="muted"> — pagina {page} van {pageCount}</span> : null}
                  </h2>
                  <ol className="search-results" start={kind ? (page - 1) * 10 + 1 : 1}>
                    {group.results.map((result, index) => (
                      <li key={`${result.kind}-${result.slug}-${index}`}>
                        <h3>
                          <Link to={resultHref(result)}>
                            {result.number && result.kind === 'section' ? `${result.number} ` : ''}
                            {result.title}
                          </Link>
                        </h3>
                        <p className="search-results__kind">{kindLabels[group.kind].one}</p>
                        <p dangerouslySetInnerHTML={{ __html: result.snippetHtml }} />
                        {result.alsoAt ? (
                          <p className="muted">
                            {result.alsoAt.kind === 'example' ? 'Dit netwerk staat ook bij de ' : 'Dit voorbeeld staat ook in de handreiking, '}
                            <Link to={resultHref({ kind: result.alsoAt.kind, slug: result.alsoAt.slug })}>
                              {result.alsoAt.kind === 'example' ? 'goede voorbeelden' : 'hoofdstuk 5 Goede voorbeelden'}
                            </Link>
                            .
                          </p>
                        ) : null}
                      </li>
                    ))}
                  </ol>
                  {kind === null && group.total > group.results.length ? (
                    <p>
                      <Link to={link({ soort: group.kind })}>
                        Alle {group.total} resultaten bij {kindLabels[group.kind].group.toLowerCase()}
                      </Link>
                    </p>
                  ) : null}
                </section>
              ))}
              {kind && pageCount > 1 ? (
                <nav aria-label="Pagina’s" className="search-pager">
                  {page > 1 ? (
                    <Link to={link({ pagina: page - 1 })} rel="prev">
                      Vorige pagina
                    </Link>
                  ) : (
                    <span />
                  )}
                  <span>
                    Pagina {page} van {pageCount}
                  </span>
                  {page < pageCount ? (
                    <Link to={link({ pagina: page + 1 })} rel="next">
                      Volgende pagina
                    </Link>
                  ) : (
                    <span />
                  )}
                </nav>
              ) : null}
            </>
          )}
        </>
      )}
    </div>
  )
}
