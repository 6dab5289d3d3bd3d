import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { ExampleCard } from '#app/components/example-card'
import { publicPageHeaders, site } from '#app/site'
import { listExampleRegions, listExamples } from '#server/examples/examples'
import { themesFrom } from '#server/examples/themes'
import { getTableOfContents } from '#server/handbook/sections'

export const meta: MetaFunction = () => [{ title: `Goede voorbeelden — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const [tableOfContents, regions] = await Promise.all([getTableOfContents(context.db), listExampleRegions(context.db)])
  const themes = themesFrom(tableOfContents)
  // Unknown filter values are ignored rather than answered with an empty list.
  const theme = themes.find((item) => item.key === url.searchParams.get('thema'))?.key ?? ''
  const region = regions.find((item) => item === url.searchParams.get('regio')) ?? ''
  const examples = await listExamples(context.db, { theme, region })
  return { examples, themes, regions, theme, region }
}

export default function ExamplesPage() {
  const { examples, themes, regions, theme, region } = useLoaderData<typeof loader>()
  const themeLabel = themes.find((item) => item.key === theme)?.label
  const filtered = Boolean(theme || region)
  return (
    <div className="page">
      <h1>Goede voorbeelden</h1>
      <p className="lead">
        Lokale netwerken van vrijwilligersorganisaties vertellen hoe zij samenwerken: hoe ze begonnen, wat werkt en wat
        ze anderen aanraden.
      </p>
      <p>
        <Link to="/voorbeelden/nieuw" className="button button--secondary">
          Deel uw eigen goede voorbeeld
        </Link>
      </p>
      <Form method="get" className="filters" aria-label="Voorbeelden filteren">
        <div className="field">
          <label htmlFor="thema">Thema</label>
          <select id="thema" name="thema" defaultValue={theme}>
            <option value="">Alle thema’s</option>
            {themes.map((item) => (
              <option key={item.key} value={item.key}>
                {item.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="regio">Regio</label>
          <select id="regio" name="regio" defaultValue={region}>
            <option value="">Alle regio’s</option>
            {regions.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filteren</button>
        {filtered ? <Link to="/voorbeelden">Alle voorbeelden tonen</Link> : null}
      </Form>
      <p role="status" className="result-count">
        {examples.length === 1 ? '1 voorbeeld' : `${examples.length} voorbeelden`}
        {themeLabel ? ` over ${themeLabel.toLowerCase()}` : ''}
        {region ? ` in ${region}` : ''}
      </p>
      {examples.length > 0 ? (
        <ul className="card-list">
          {examples.map((example) => (
            <li key={example.slug}>
              <ExampleCard example={example} headingLevel={2} />
            </li>
          ))}
        </ul>
      ) : (
        <p>Er zijn (nog) geen voorbeelden met deze keuze. Kies een ander thema of een andere regio.</p>
      )}
    </div>
  )
}
