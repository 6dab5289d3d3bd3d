import { useEffect, useRef, type MouseEvent } from 'react'
import type { FieldErrors } from '#app/utils/forms'
import { fieldId } from '#app/utils/forms'

const titlePrefix = 'Fout: '

/**
 * The GOV.UK / NL Design System error summary: first thing in the form, one
 * link per wrong field, and focus moved to it — by `autofocus` after a full
 * page POST (no JavaScript), by the effect after a client-side submission.
 * With JavaScript it also prefixes the page title (the loader does so without).
 */
export function ErrorSummary({ errors }: { errors: FieldErrors | undefined }) {
  const summary = useRef<HTMLDivElement>(null)
  const entries = Object.entries(errors ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1]))
  const shown = entries.length > 0
  useEffect(() => {
    if (!shown) return
    summary.current?.focus()
    if (!document.title.startsWith(titlePrefix)) document.title = titlePrefix + document.title
    return () => {
      if (document.title.startsWith(titlePrefix)) document.title = document.title.slice(titlePrefix.length)
    }
  }, [shown, errors])
  if (!shown) return null
  return (
    <div ref={summary} className="error-summary" tabIndex={-1} autoFocus aria-labelledby="foutoverzicht-titel">
      <div role="alert">
        <h2 id="foutoverzicht-titel" className="error-summary__title">
          Er is iets misgegaan
        </h2>
        <ul className="error-summary__list">
          {entries.map(([name, message]) => (
            <li key={name}>{name === 'form' ? message : <a href={`#${fieldId(name)}`} onClick={focusField}>{message}</a>}</li>
          ))}
        </ul>
      </div>
    </div>
  )
}

/** Like GOV.UK: the link puts focus in the field itself and shows its label (or legend) above it. */
function focusField(event: MouseEvent<HTMLAnchorElement>) {
  const target = document.getElementById(event.currentTarget.hash.slice(1))
  if (!target) return
  event.preventDefault()
  const heading = target.closest('fieldset')?.querySelector('legend') ?? document.querySelector(`label[for="${target.id}"]`)
  ;(heading ?? target).scrollIntoView()
  target.focus({ preventScroll: true })
}
