import { Link } from '@remix-run/react'

type ExampleSummary = { slug: string; name: string; place: string; region: string; summary: string; handbookSlug?: string | null }

export function ExampleCard({ example, headingLevel }: { example: ExampleSummary; headingLevel: 2 | 3 }) {
  const Heading = `h${headingLevel}` as const
  const where = [example.place, example.region].filter(Boolean).join(', ')
  return (
    <article className="card">
      <Heading className="card__title">
        <Link to={`/voorbeelden/${example.slug}`}>{example.name}</Link>
      </Heading>
      {where ? <p className="card__meta">{where}</p> : null}
      <p>{example.summary}</p>
      {example.handbookSlug ? (
        <p className="card__meta">
          Ook in de handreiking: <Link to={`/handreiking/${example.handbookSlug}`}>hoofdstuk 5 Goede voorbeelden</Link>
        </p>
      ) : null}
    </article>
  )
}
