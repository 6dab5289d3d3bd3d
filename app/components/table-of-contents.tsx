import { Link } from '@remix-run/react'
import type { TocEntry } from '#server/handbook/sections'

function containsSlug(entry: TocEntry, slug: string): boolean {
  return entry.slug === slug || entry.children.some((child) => containsSlug(child, slug))
}

/**
 * The nested, numbered table of contents; the current section is marked for
 * sight and for screen readers. `folded` shows only the chapters and the
 * branch that holds the current section, so the list stays short beside a text.
 */
export function TableOfContents({ entries, currentSlug, folded = false }: { entries: TocEntry[]; currentSlug?: string; folded?: boolean }) {
  return (
    <ol className="toc">
      {entries.map((entry) => {
        const open = !folded || (currentSlug !== undefined && containsSlug(entry, currentSlug))
        return (
          <li key={entry.slug}>
            <Link to={`/handreiking/${entry.slug}`} aria-current={entry.slug === currentSlug ? 'page' : undefined}>
              {entry.number ? <span className="toc__number">{entry.number}</span> : null}
              <span>{entry.title}</span>
            </Link>
            {open && entry.children.length > 0 ? <TableOfContents entries={entry.children} currentSlug={currentSlug} folded={folded} /> : null}
          </li>
        )
      })}
    </ol>
  )
}
