import { Link } from '@remix-run/react'
import { TextDiff } from '#app/components/text-diff'
import type { AcceptedContribution, SectionChange } from '#server/handbook/edition-changes'
import type { DiffPart, TextComparison } from '#server/handbook/text-diff'

const contributionLabels: Record<AcceptedContribution['kind'], string> = { suggestion: 'Voorstel voor een tekstwijziging', tip: 'Tip', lesson: 'Lesson learned', example: 'Goed voorbeeld' }

/** Unchanged stretches longer than this show only their ends around the changes. */
const context = 160

/**
 * A whole section's text with a few changed words is hard to read as a diff: the
 * unchanged text between changes is cut to its ends ("…"), so the changes stand out.
 */
export function compactParts(parts: DiffPart[]): DiffPart[] {
  return parts.map((part, index) => {
    if (part.kind !== 'same' || part.text.length <= 2 * context + 20) return part
    const head = index === 0 ? '' : part.text.slice(0, context).replace(/\s+\S*$/, '')
    const tail = index === parts.length - 1 ? '' : part.text.slice(-context).replace(/^\S*\s+/, '')
    return { kind: 'same', text: `${head}${head ? ' ' : ''}…${tail ? ' ' : ''}${tail}` }
  })
}

function compact(comparison: TextComparison): TextComparison {
  return comparison.comparable ? { comparable: true, parts: compactParts(comparison.parts) } : comparison
}

function status(change: SectionChange) {
  if (change.status === 'new') return 'Nieuwe paragraaf'
  if (change.status === 'removed') return 'Verwijderde paragraaf'
  if (change.movedFrom !== null) return `Verplaatst (was ${change.movedFrom || 'zonder nummer'})${change.diff || change.previousTitle ? ' en gewijzigd' : ''}`
  return 'Gewijzigd'
}

function versionHref(slug: string, revisionId: number | null) {
  return `/handreiking/${slug}/geschiedenis/tekst?versie=${revisionId ?? ''}`
}

function ContributionList({ items }: { items: AcceptedContribution[] }) {
  return (
    <ul className="tips">
      {items.map((item, index) => (
        <li key={index}>
          <p className="tips__kind">{contributionLabels[item.kind]}</p>
          <p className="tips__body">{item.kind === 'example' && item.href ? <Link to={item.href}>{item.text}</Link> : item.text}</p>
          <p className="muted">{item.signedBy ? `Van ${item.signedBy}` : item.kind === 'example' ? 'Ingestuurd door een bezoeker' : 'Van een bezoeker'}</p>
        </li>
      ))}
    </ul>
  )
}

/**
 * What changed between two versions of the book, section by section (each with its
 * slug as anchor), then the accepted contributions that came with it and who is credited
 * (`credits`: server/handbook/edition-changes.ts creditLine). `sections` is null with nothing to compare with.
 */
export function ChangeReport({ sections, accepted, credits, creditsLabel }: { sections: SectionChange[] | null; accepted: AcceptedContribution[]; credits: string; creditsLabel: string }) {
  const bySection = new Map<number, AcceptedContribution[]>()
  const other: AcceptedContribution[] = []
  const changed = new Set((sections ?? []).map((change) => change.sectionId))
  for (const item of accepted) {
    if (item.sectionId !== null && changed.has(item.sectionId)) bySection.set(item.sectionId, [...(bySection.get(item.sectionId) ?? []), item])
    else other.push(item)
  }
  return (
    <>
      <section aria-labelledby="meegewerkt" className="credits">
        <h2 id="meegewerkt">Wie werkten mee</h2>
        <p>
          {creditsLabel}: {credits || 'geen nieuwe bijdragen'}.
        </p>
        <p className="muted">Bezoekers noemen we alleen als ze daarvoor toestemming gaven.</p>
      </section>
      {sections ? (
        <>
          <h2>Paragrafen</h2>
          <p>{sections.length === 0 ? 'Geen paragraaf is veranderd.' : sections.length === 1 ? 'Eén paragraaf is veranderd.' : `${sections.length} paragrafen zijn veranderd.`}</p>
        </>
      ) : null}
      {(sections ?? []).map((change) => (
        <section key={change.sectionId} id={change.slug} aria-labelledby={`${change.slug}-titel`} className="change">
          <h3 id={`${change.slug}-titel`}>
            {change.status === 'removed' ? (
              `${change.number ? `${change.number} ` : ''}${change.title}`
            ) : (
              <Link to={`/handreiking/${change.slug}`}>{`${change.number ? `${change.number} ` : ''}${change.title}`}</Link>
            )}
          </h3>
          <p className="change__status">{status(change)}</p>
          {change.previousTitle !== null ? <p>De titel was: “{change.previousTitle}”.</p> : null}
          {change.diff ? (
            <TextDiff
              comparison={compact(change.diff)}
              versions={[
                { label: 'De vorige versie', href: versionHref(change.slug, change.fromRevisionId) },
                { label: 'De nieuwe versie', href: versionHref(change.slug, change.toRevisionId) },
              ]}
            />
          ) : null}
          {bySection.has(change.sectionId) ? (
            <>
              <h4>Voortgekomen uit bijdragen</h4>
              <ContributionList items={bySection.get(change.sectionId)!} />
            </>
          ) : null}
        </section>
      ))}
      {other.length > 0 ? (
        <section aria-labelledby="bijdragen">
          <h2 id="bijdragen">Nieuwe tips, lessons learned en voorbeelden</h2>
          <ContributionList items={other} />
        </section>
      ) : null}
    </>
  )
}
