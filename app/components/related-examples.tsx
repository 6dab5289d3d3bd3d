import { Link } from '@remix-run/react'
import { ExampleCard } from '#app/components/example-card'

type Example = { slug: string; name: string; place: string; region: string; summary: string }

/** Under a section: the same network among the good examples, and the examples about this section's theme. */
export function RelatedExamples({ sameNetwork, sharingTheme }: { sameNetwork: Example | null; sharingTheme: Example[] }) {
  return (
    <>
      {sameNetwork ? (
        <p className="also-in">
          Dit netwerk staat ook bij de goede voorbeelden, met de gegevens op een rij:{' '}
          <Link to={`/voorbeelden/${sameNetwork.slug}`}>{sameNetwork.name}</Link>.
        </p>
      ) : null}
      {sharingTheme.length > 0 ? (
        <section aria-labelledby="voorbeelden-bij-thema" className="related-examples">
          <h2 id="voorbeelden-bij-thema">Goede voorbeelden over dit onderwerp</h2>
          <ul className="card-list">
            {sharingTheme.map((example) => (
              <li key={example.slug}>
                <ExampleCard example={example} headingLevel={3} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  )
}
