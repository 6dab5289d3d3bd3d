import type { DiffPart } from '#server/handbook/text-diff'

/** Added words underlined in green, removed ones struck through in red, and said so for screen readers. */
export function TextDiff({ parts }: { parts: DiffPart[] }) {
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
