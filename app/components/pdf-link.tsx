import type { PdfFacts } from '#server/pdf/editions'

const sizeFormat = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 })

/** "pdf, 171 kB, 32 pagina's": what a download is before one downloads it; just "pdf" while the file is being made. */
export function describePdf(facts: PdfFacts | null | { bytes: number; pages?: number }) {
  if (!facts) return 'pdf'
  const size = facts.bytes >= 1_000_000 ? `${sizeFormat.format(facts.bytes / 1_000_000)} MB` : `${Math.max(1, Math.round(facts.bytes / 1000))} kB`
  const pages = facts.pages ? `, ${facts.pages} ${facts.pages === 1 ? 'pagina' : "pagina's"}` : ''
  return `pdf, ${size}${pages}`
}

/** A link to a PDF that says what it is, in its accessible name too. */
export function PdfLink({ href, label, facts, className, download }: { href: string; label: string; facts: Parameters<typeof describePdf>[0]; className?: string; download?: boolean }) {
  return (
    <a href={href} className={className} download={download || undefined}>
      {label} <span className="file-facts">({describePdf(facts)})</span>
    </a>
  )
}
