import type { TextComparison } from '#server/handbook/text-diff'

/** A version to read in full when the comparison gives up: its text inline, or a link to it. */
type Version = { label: string; text: string } | { label: string; href: string }

/**
 * Added words underlined in green, removed ones struck through in red, and said so for screen readers.
 * Past the comparison's bounds: a plain notice, and each version to read in full.
 */
export function TextDiff({ comparison, versions }: { comparison: TextComparison; versions: [Version, Version] }) {
  if (!comparison.comparable) {
    return (
      <div className="diff--too-large">
        <p className="notice">
          {`Deze versies zijn te groot om te vergelijken${comparison.reason === 'time' ? ': ze verschillen te veel' : ''}.`} U kunt ze hieronder wel allebei
          helemaal lezen.
        </p>
        {versions.map((version, index) =>
          'href' in version ? (
            <p key={index}>
              <a href={version.href}>{`${version.label} lezen`}</a> (platte tekst)
            </p>
          ) : (
            <details key={index}>
              <summary>{`${version.label} lezen`}</summary>
              <div className="diff">{version.text}</div>
            </details>
          ),
        )}
      </div>
    )
  }
  const { parts } = comparison
  if (parts.every((part) => part.kind === 'same')) return <p className="muted">Er zijn geen verschillen.</p>
  return (
    <div className="diff">
      {parts.map((part, index) =>
        part.kind === 'added' ? (
          <ins key={index}>
            <span className="visually-hidden">[toegevoegd: </span>
            {part.text}
            <span className="visually-hidden">]</span>
          </ins>
        ) : part.kind === 'removed' ? (
          <del key={index}>
            <span className="visually-hidden">[verwijderd: </span>
            {part.text}
            <span className="visually-hidden">]</span>
          </del>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </div>
  )
}
