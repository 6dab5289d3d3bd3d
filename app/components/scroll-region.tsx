import type { ReactNode } from 'react'

/**
 * A wide table scrolls inside this region, not the page (WCAG 1.4.10). It is
 * focusable and named, so keyboard users can scroll it and hear what it is.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="scroll-region" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  )
}
