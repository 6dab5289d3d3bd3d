import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { LastChangeDate } from '#app/components/last-change'
import { publicPageHeaders, site } from '#app/site'
import { allEditionCredits, creditLine, liveCredits } from '#server/handbook/edition-changes'
import { getPageForReading } from '#server/handbook/sections'

export const meta: MetaFunction = () => [{ title: `Colofon — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ context }: LoaderFunctionArgs) {
  const page = await getPageForReading(context.db, 'colofon')
  if (!page) throw new Response('Niet gevonden', { status: 404 })
  // The current text's credits are read afresh (a removed contribution is gone at once); frozen editions keep theirs.
  const [live, editions] = await Promise.all([liveCredits(context.db), allEditionCredits(context.db)])
  return { page, live: creditLine(live), editions: [...editions].map(([number, credits]) => ({ number, credits: creditLine(credits) })) }
}

export default function ColophonPage() {
  const { page, live, editions } = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <h1>{page.title}</h1>
      <div className="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
      <section aria-labelledby="meegewerkt" className="credits">
        <h2 id="meegewerkt">Wie werkten mee</h2>
        <p>
          Leden die paragrafen bewerkten, en bezoekers van wie een tip, voorstel of voorbeeld is opgenomen. Bezoekers noemen we alleen met hun
          toestemming. Een vastgelegde editie noemt wie er tot dan aan meewerkten.
        </p>
        <dl className="credits__list">
          <div>
            <dt>
              De huidige tekst (<Link to="/wijzigingen">{editions.length > 0 ? `wat er sinds editie ${editions[0].number} veranderde` : 'nog niet in een editie'}</Link>)
            </dt>
            <dd>{live || 'nog geen bijdragen'}</dd>
          </div>
          {editions.map((edition) => (
            <div key={edition.number}>
              <dt>
                Editie {edition.number} (<Link to={`/edities/${edition.number}/wijzigingen`}>wat er veranderde</Link>)
              </dt>
              <dd>{edition.credits || 'nog geen bijdragen'}</dd>
            </div>
          ))}
        </dl>
      </section>
      <p className="muted">
        <LastChangeDate change={page.lastChange} />
      </p>
    </div>
  )
}
