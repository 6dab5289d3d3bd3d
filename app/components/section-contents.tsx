import { TableOfContents } from '#app/components/table-of-contents'
import type { TocEntry } from '#server/handbook/sections'

/**
 * The handbook's contents beside a section: a sticky sidebar on wide screens,
 * and on phones a folded "Inhoud" at the top of the text (a <details>, so it
 * opens without JavaScript). CSS shows one of the two. Keyed by section, so
 * it starts folded again after a client-side move to another section.
 */
export function SectionContents({ entries, currentSlug }: { entries: TocEntry[]; currentSlug: string }) {
  return (
    <details className="contents-toggle" key={currentSlug}>
      <summary>Inhoud</summary>
      <nav aria-label="Inhoud van de handreiking" className="contents-toggle__panel">
        <TableOfContents entries={entries} currentSlug={currentSlug} folded />
      </nav>
    </details>
  )
}

export function SectionSidebar({ entries, currentSlug }: { entries: TocEntry[]; currentSlug: string }) {
  return (
    <aside className="section-aside" aria-labelledby="zijnavigatie">
      <h2 id="zijnavigatie">Inhoudsopgave</h2>
      <nav aria-labelledby="zijnavigatie">
        <TableOfContents entries={entries} currentSlug={currentSlug} folded />
      </nav>
    </aside>
  )
}
