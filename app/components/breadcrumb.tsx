import { Link } from '@remix-run/react'

/** "Where am I": the links above this page, and the page itself marked as current. */
export function Breadcrumb({ trail, current }: { trail: Array<{ to: string; label: string }>; current: string }) {
  return (
    <nav aria-label="Kruimelpad" className="breadcrumb">
      <ol>
        {trail.map((step) => (
          <li key={step.to}>
            <Link to={step.to}>{step.label}</Link>
          </li>
        ))}
        <li>
          <span aria-current="page">{current}</span>
        </li>
      </ol>
    </nav>
  )
}
