import type { SectionHeading } from '#server/handbook/render'

/** Anchor links to the sub-headings of a section; nothing when it has none. */
export function OnThisPage({ headings }: { headings: SectionHeading[] }) {
  if (headings.length === 0) return null
  return (
    <nav aria-labelledby="op-deze-pagina" className="on-this-page">
      <h2 id="op-deze-pagina" className="on-this-page__title">
        Op deze pagina
      </h2>
      <ul>
        {headings.map((heading) => (
          <li key={heading.id} className={heading.level === 3 ? 'on-this-page__sub' : undefined}>
            <a href={`#${heading.id}`}>{heading.text}</a>
          </li>
        ))}
      </ul>
    </nav>
  )
}
