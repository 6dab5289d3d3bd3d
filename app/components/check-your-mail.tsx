import type { ReactNode } from 'react'

/** The page after a form that sends a link by e-mail: what was sent, and where else to look. */
export function CheckYourMail({ children }: { children: ReactNode }) {
  return (
    <div className="page page--narrow">
      <h1>Kijk in uw e-mail</h1>
      <p role="status">
        {children} Niets ontvangen? Kijk ook bij ongewenste e-mail.
      </p>
    </div>
  )
}
