import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ExampleCard } from '#app/components/example-card'
import { PdfLink } from '#app/components/pdf-link'
import { TableOfContents } from '#app/components/table-of-contents'
import { TipList } from '#app/components/tip-list'
import { publicPageHeaders, site } from '#app/site'

export const meta: MetaFunction = () => [
  { title: `${site.title} — ${site.subtitle}` },
  { name: 'description', content: 'Een levende handreiking voor lokale vrijwilligersorganisaties in zorg en welzijn die willen samenwerken.' },
]

export const headers = () => publicPageHeaders

export async function loader({ context }: LoaderFunctionArgs) {
  return { ...(await context.published.home()), pdf: context.pdf.currentEditionFacts() }
}

export default function Home() {
  const { tableOfContents, introductionHtml, examples, tips, pdf } = useLoaderData<typeof loader>()
  return (
    <div className="page home">
      <section className="hero" aria-labelledby="titel">
        <h1 id="titel">{site.title}</h1>
        <p className="hero__subtitle">{site.subtitle}</p>
        <p className="hero__tagline">{site.tagline}</p>
        <div className="prose" dangerouslySetInnerHTML={{ __html: introductionHtml }} />
        <p className="hero__actions">
          <Link className="button" to="/handreiking/voor-wie">
            Begin met lezen
          </Link>
          <PdfLink className="button button--secondary" href="/handreiking.pdf" label="Download de handreiking" facts={pdf} download />
        </p>
      </section>

      <div className="home__grid">
        <section aria-labelledby="inhoudsopgave" className="home__toc">
          <h2 id="inhoudsopgave">Inhoudsopgave</h2>
          <nav aria-labelledby="inhoudsopgave">
            <TableOfContents entries={tableOfContents} />
          </nav>
        </section>

        <div className="home__side">
          <section aria-labelledby="tips">
            <h2 id="tips">Tips uit de praktijk</h2>
            {tips.length > 0 ? (
              <TipList tips={tips} showSection />
            ) : (
              <p>Nog geen tips. Onder elke paragraaf kunt u uw ervaring delen.</p>
            )}
          </section>
          <section aria-labelledby="voorbeelden">
            <h2 id="voorbeelden">Goede voorbeelden</h2>
            <p>Zo werken lokale netwerken al samen. Laat u inspireren door hun ervaringen.</p>
            <ul className="card-list card-list--compact">
              {examples.map((example) => (
                <li key={example.slug}>
                  <ExampleCard example={example} headingLevel={3} />
                </li>
              ))}
            </ul>
            <p>
              <Link to="/voorbeelden">Alle goede voorbeelden, te filteren op thema en regio</Link>
            </p>
          </section>
        </div>
      </div>
    </div>
  )
}
