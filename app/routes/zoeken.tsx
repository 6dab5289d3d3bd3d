import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { SearchForm } from '#app/components/search-form'
import { publicPageHeaders, site } from '#app/site'
import { maxQueryLength, searchHandbook } from '#server/search/search'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.query ? `Zoeken naar “${data.query}” — ${site.title}` : `Zoeken — ${site.title}` },
  { name: 'robots', content: 'noindex' },
]

export const headers = () => publicPageHeaders

export async function loader({ request, context }: LoaderFunctionArgs) {
  const query = new URL(request.url).searchParams.get('q') ?? ''
  return { ...(await searchHandbook(context.db, query)), maxQueryLength }
}

export default function SearchPage() {
  const { query, truncated, results, maxQueryLength } = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <h1>Zoeken</h1>
      <SearchForm defaultValue={query} />
      {truncated ? (
        <p className="notice">Uw zoekvraag was langer dan {maxQueryLength} tekens; we zochten op het eerste deel.</p>
      ) : null}
      {query ? (
        <>
          <p role="status" className="result-count">
            {results.length === 0
              ? `Geen resultaten voor “${query}”.`
              : `${results.length === 1 ? '1 resultaat' : `${results.length} resultaten`} voor “${query}”`}
          </p>
          {results.length === 0 ? (
            <p>
              Probeer een ander of korter woord, of blader door de <Link to="/">inhoudsopgave</Link> en de{' '}
              <Link to="/voorbeelden">goede voorbeelden</Link>.
            </p>
          ) : (
            <ol className="search-results">
              {results.map((result, index) => (
                <li key={`${result.kind}-${result.slug}-${index}`}>
                  <h2>
                    <Link to={result.kind === 'example' ? `/voorbeelden/${result.slug}` : `/handreiking/${result.slug}${result.kind === 'tip' ? '#uit-de-praktijk' : ''}`}>
                      {result.number && result.kind === 'section' ? `${result.number} ` : ''}
                      {result.title}
                    </Link>
                  </h2>
                  <p className="search-results__kind">{{ section: 'Handreiking', example: 'Goed voorbeeld', tip: 'Tip of lesson learned' }[result.kind]}</p>
                  <p dangerouslySetInnerHTML={{ __html: result.snippetHtml }} />
                </li>
              ))}
            </ol>
          )}
        </>
      ) : (
        <p>Typ een of meer woorden. U vindt ook woordvormen (“vrijwilliger” vindt “vrijwilligers”) en delen van samengestelde woorden.</p>
      )}
    </div>
  )
}
