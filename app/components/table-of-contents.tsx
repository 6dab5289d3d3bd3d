import { Link } from '@remix-run/react'
import type { TocEntry } from '#server/handbook/sections'

/** The nested, numbered table of contents; the current section is marked for sight and for screen readers. */
export function TableOfContents({ entries, currentSlug }: { entries: TocEntry[]; currentSlug?: string }) {
  return (
    <ol className="toc">
      {entries.map((entry) => (
        <li key={entry.slug}>
          <Link to={`/handreiking/${entry.slug}`} aria-current={entry.slug === currentSlug ? 'page' : undefined}>
            {entry.number ? <span className="toc__number">{entry.number}</span> : null}
            <span>{entry.title}</span>
          </Link>
          {entry.children.length > 0 ? <TableOfContents entries={entry.children} currentSlug={currentSlug} /> : null}
        </li>
      ))}
    </ol>
  )
}
