import { Link } from '@remix-run/react'
import { formatDate } from '#app/site'

type Tip = { id: number; kind: string; body: string; signedBy: string; createdAt: string | Date; sectionSlug: string | null; sectionTitle: string | null }

/** Approved tips and lessons; `showSection` links each to its section (home page), otherwise shows its date. */
export function TipList({ tips, showSection = false }: { tips: Tip[]; showSection?: boolean }) {
  return (
    <ul className="tips">
      {tips.map((tip) => (
        <li key={tip.id}>
          <p className="tips__kind">{tip.kind === 'lesson' ? 'Lesson learned' : 'Tip'}</p>
          <p className="tips__body">{tip.body}</p>
          <p className="muted">
            {tip.signedBy ? `${tip.signedBy} · ` : ''}
            {showSection ? (
              tip.sectionSlug ? (
                <>
                  bij <Link to={`/handreiking/${tip.sectionSlug}`}>{tip.sectionTitle}</Link>
                </>
              ) : (
                'over de hele handreiking'
              )
            ) : (
              formatDate(tip.createdAt)
            )}
          </p>
        </li>
      ))}
    </ul>
  )
}
